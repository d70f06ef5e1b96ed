// `@opentelemetry/api` is an optional peer: the built package loads and logs users in without it,
// and only `telemetry: true` asks for it (a clear TypeError at construction). Run in a child Node
// whose resolver cannot find the package, against dist/ as a user installs it.
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { createTelemetry } from '../../lib/telemetry/index.js';
import { loadOpenTelemetryApi } from '../../lib/telemetry/load-api.js';

const run = promisify(execFile);
const dist = fileURLToPath(new URL('../../dist/', import.meta.url));
const work = fileURLToPath(new URL('../../test-output/otel-absent/', import.meta.url));

// A resolve hook that makes `@opentelemetry/api` missing, for import() and require() alike.
const HOOKS = `
export async function resolve(specifier, context, next) {
  if (specifier === '@opentelemetry/api' || specifier.startsWith('@opentelemetry/api/')) {
    const err = new Error("Cannot find module '@opentelemetry/api'");
    err.code = 'MODULE_NOT_FOUND';
    throw err;
  }
  return next(specifier, context);
}
`;
const REGISTER = `import { register } from 'node:module'; register('./hooks.mjs', import.meta.url);`;
const CJS_BLOCK = `
const Module = require('node:module');
const original = Module._resolveFilename;
Module._resolveFilename = function (request, ...rest) {
  if (request === '@opentelemetry/api') { const e = new Error("Cannot find module '@opentelemetry/api'"); e.code = 'MODULE_NOT_FOUND'; throw e; }
  return original.call(this, request, ...rest);
};
`;

const script = (load: string) => `
${load}
const opts = { apiKey: 'k', customerUuid: '00000000-0000-4000-8000-000000000000', onEvent: () => {} };
const plain = new DingOtpStrategy(opts, () => {});
let error = null;
try { new DingOtpStrategy({ ...opts, telemetry: true }, () => {}); } catch (e) { error = e.constructor.name + ': ' + e.message; }
console.log(JSON.stringify({ name: plain.name, error }));
await plain.close();
`;

describe('without @opentelemetry/api', () => {
  it('the loader answers undefined for a missing package, and is not called when telemetry is off', () => {
    expect(loadOpenTelemetryApi('@opentelemetry/not-installed-here')).toBeUndefined();
    const never = () => {
      throw new Error('loaded');
    };
    expect(createTelemetry(undefined, never)).toBeUndefined();
    expect(createTelemetry(false, never)).toBeUndefined();
    expect(() => createTelemetry(true, () => undefined)).toThrow(/@opentelemetry\/api/);
    expect(() => createTelemetry('yes', () => undefined)).toThrow(TypeError);
  });

  it.each(['esm', 'cjs'] as const)('the built package works from %s, and telemetry: true is a clear TypeError', async (format) => {
    if (!existsSync(`${dist}index.js`)) throw new Error('dist/ is missing: run `npm run build` (npm test does it in `pretest`)');
    await mkdir(work, { recursive: true });
    await writeFile(`${work}hooks.mjs`, HOOKS);
    await writeFile(`${work}register.mjs`, REGISTER);
    let file: string;
    if (format === 'esm') {
      file = `${work}absent.mjs`;
      await writeFile(file, script(`import { DingOtpStrategy } from ${JSON.stringify(`${dist}index.js`)};`));
    } else {
      file = `${work}absent.cjs`;
      await writeFile(file, `(async () => {\n${script(`const { DingOtpStrategy } = require(${JSON.stringify(`${dist}index.cjs`)});`)}\n})();`);
    }
    // Both resolvers: the package loads the API through require() from either build.
    await writeFile(`${work}block.cjs`, CJS_BLOCK);
    const args = ['--require', `${work}block.cjs`, ...(format === 'esm' ? ['--import', `${work}register.mjs`] : []), file];
    const { stdout } = await run(process.execPath, args, { timeout: 15_000 });
    const result = JSON.parse(stdout.trim().split('\n').pop() ?? '') as { name: string; error: string | null };
    expect(result.name).toBe('ding');
    expect(result.error).toMatch(/^TypeError: .*@opentelemetry\/api/);
  });
});
