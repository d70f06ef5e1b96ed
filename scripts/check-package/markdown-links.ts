// Relative links in the Markdown files a tarball ships that point at files the tarball lacks:
// on the registry's page and in node_modules such a link is dead. Links with a scheme
// (https:, mailto:) and links within the page (#section) are not checked here.
import { posix } from 'node:path';

/** Link targets of a Markdown text, outside code: inline links and images, reference definitions, HTML href/src. */
export function linkTargets(markdown: string): string[] {
  const prose = markdown
    .replace(/^(```|~~~)[^\n]*\n[\s\S]*?^\1[^\n]*$/gm, '') // fenced code blocks
    .replace(/`[^`\n]*`/g, ''); // inline code
  const targets: string[] = [];
  for (const m of prose.matchAll(/\]\(\s*<([^>]*)>|\]\(\s*([^)\s]+)/g)) targets.push((m[1] ?? m[2]) as string);
  for (const m of prose.matchAll(/^\s{0,3}\[[^\]]+\]:\s*<?([^\s>]+)/gm)) targets.push(m[1] as string);
  for (const m of prose.matchAll(/\b(?:href|src)\s*=\s*["']([^"']+)["']/gi)) targets.push(m[1] as string);
  return targets;
}

const hasScheme = (target: string): boolean => /^[a-z][a-z0-9+.-]*:/i.test(target) || target.startsWith('//');

export interface BrokenLink {
  file: string;
  target: string;
}

/** The relative links in `file` (a path inside the tarball) that resolve to nothing in `files`. */
export function brokenLinks(file: string, markdown: string, files: readonly string[]): BrokenLink[] {
  const shipped = new Set(files);
  const dirs = new Set(files.flatMap((f) => f.split('/').slice(0, -1).map((_, i, parts) => parts.slice(0, i + 1).join('/'))));
  const broken: BrokenLink[] = [];
  for (const target of linkTargets(markdown)) {
    if (hasScheme(target) || target.startsWith('#')) continue;
    const path = decodeURI(target.replace(/[?#].*$/, ''));
    const resolved = posix.normalize(posix.join(posix.dirname(file), path)).replace(/\/$/, '');
    if (resolved.startsWith('..') || path.startsWith('/') || !(shipped.has(resolved) || dirs.has(resolved))) broken.push({ file, target });
  }
  return broken;
}
