// The sandbox's layering, checked on the source: the core (server, routing, body, faults, clock,
// codes, key check, webhook queue) knows no API, so a new API is a folder and a list entry.
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const SANDBOX = fileURLToPath(new URL('../../lib/sandbox/', import.meta.url));

function importsOf(folder: string): Array<[file: string, specifier: string]> {
  const out: Array<[string, string]> = [];
  for (const file of readdirSync(SANDBOX + folder).filter((f) => f.endsWith('.ts'))) {
    const source = readFileSync(`${SANDBOX}${folder}/${file}`, 'utf8');
    for (const m of source.matchAll(/^(?:import|export)\b[^;]*?from '([^']+)'/gms)) out.push([`${folder}/${file}`, m[1]!]);
  }
  return out;
}

describe('sandbox layout', () => {
  it('core/ imports nothing from an API module, the wire types or the assembly', () => {
    const imports = importsOf('core');
    expect(imports.length).toBeGreaterThan(10);
    const outside = imports.filter(([, spec]) => spec.startsWith('..'));
    expect(outside).toEqual([]);
  });

  it('each API module has the same parts', () => {
    const parts = ['index.ts', 'routes.ts', 'validate.ts', 'state.ts', 'reply.ts', 'faults.ts', 'operations.ts', 'lookup.ts', 'webhooks.ts'];
    for (const api of ['ding', 'prelude']) {
      expect(readdirSync(SANDBOX + api)).toEqual(expect.arrayContaining(parts));
    }
  });
});
