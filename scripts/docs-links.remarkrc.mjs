// remark settings for `npm run docs:links`: every relative link and #anchor in every Markdown
// file must point at a file or heading that exists. Links to this repository's GitHub URL
// (README.md uses them, as it ships in the npm tarball without docs/) are checked as local paths.
import remarkValidateLinks from 'remark-validate-links';

export default {
  plugins: [[remarkValidateLinks, { repository: 'passport-ding/passport-ding', root: '.' }]],
};
