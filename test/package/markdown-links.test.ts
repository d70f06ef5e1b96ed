// The README check of `npm run check:package`: a relative link in a shipped Markdown file must
// point at a file in the tarball, since on the registry's page and in node_modules nothing else
// is there (repository files are linked absolutely, on GitHub).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { brokenLinks, linkTargets } from '../../scripts/check-package/markdown-links.js';
import { packedFiles, ROOT } from './packed-files.js';

const files = ['README.md', 'SECURITY.md', 'LICENSE', 'dist/index.js', 'package.json'];

describe('Markdown link check', () => {
  it('finds inline links, images, reference definitions and HTML links, not code', () => {
    const md = [
      'See [limits](docs/limits.md) and ![logo](img/logo.png "Logo").',
      '[ref]: ./CONTRIBUTING.md',
      '<a href="example/README.md">example</a>',
      '`[not](a-link.md)`',
      '```md',
      '[also not](fenced.md)',
      '```',
    ].join('\n');
    expect(linkTargets(md)).toEqual(['docs/limits.md', 'img/logo.png', './CONTRIBUTING.md', 'example/README.md']);
  });

  it('refuses a relative link to a file the tarball lacks', () => {
    const md = 'Read [the limits](docs/limits.md#memory) and [contributing](./CONTRIBUTING.md).';
    expect(brokenLinks('README.md', md, files)).toEqual([
      { file: 'README.md', target: 'docs/limits.md#memory' },
      { file: 'README.md', target: './CONTRIBUTING.md' },
    ]);
  });

  it('accepts absolute links, anchors and relative links to shipped files and folders', () => {
    const md = [
      '[docs](https://github.com/passport-ding/passport-ding/blob/main/docs/limits.md)',
      '[mail](mailto:security@example.com) [top](#install) [security](SECURITY.md#reporting)',
      '[license](./LICENSE) [dist](dist/) [up](dist/../README.md)',
    ].join('\n');
    expect(brokenLinks('README.md', md, files)).toEqual([]);
  });

  it('refuses links that leave the package', () => {
    expect(brokenLinks('README.md', '[spec](../shared/openapi.yaml) [root](/docs/x.md)', files)).toHaveLength(2);
  });

  it('passes the Markdown files the package ships', async () => {
    const shipped = await packedFiles();
    const broken = shipped.filter((f) => f.endsWith('.md')).flatMap((f) => brokenLinks(f, readFileSync(join(ROOT, f), 'utf8'), shipped));
    expect(broken).toEqual([]);
  });
});
