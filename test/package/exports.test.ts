// The built package, as a user gets it: `dist/` through the `exports` map, from ESM and from
// CommonJS, with type declarations for both. `npm test` builds first (the `pretest` script).
// The consumer here links this repository, so it resolves through the repository's node_modules:
// quick, offline, but blind to a type package the tarball fails to bring. `npm run check:package`
// (scripts/check-package.ts, run by CI) installs the packed tarball into a folder of its own and
// type-checks it strictly under nodenext, node16, bundler and node10.
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, rm, symlink, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const root = fileURLToPath(new URL('../..', import.meta.url));
const consumer = fileURLToPath(new URL('../../test-output/consumer/', import.meta.url));

// Starts the sandbox from the built package, sends one code with the built DingClient and checks
// it: proves both entry points load and work together, not only that they parse.
const roundTrip = (load: string) => `
${load}
const sandbox = await startDingSandbox();
const client = new DingClient({ apiKey: sandbox.apiKey, customerUuid: sandbox.customerUuid, baseUrl: sandbox.url });
const auth = await client.createAuthentication({ phoneNumber: '+15551230001' });
const check = await client.check({ authenticationUuid: auth.authenticationUuid, checkCode: sandbox.latestCode('+15551230001') });
await client.close();
await sandbox.close();
const strategy = new DingOtpStrategy({ apiKey: 'k', customerUuid: '00000000-0000-4000-8000-000000000000' }, () => {});
console.log(JSON.stringify({ status: check.status, name: strategy.name, error: typeof DingApiError }));
await strategy.close();
`;

async function node(file: string): Promise<unknown> {
  const { stdout } = await run(process.execPath, [file], { cwd: consumer, timeout: 15_000 });
  return JSON.parse(stdout.trim().split('\n').pop() ?? '');
}

/**
 * Type-checks `files` in `dir` with the repository's tsc, strict under nodenext, through a
 * tsconfig.json written there; answers what tsc printed ('' when it found nothing).
 */
async function typeCheck(dir: string, files: string[], options: { skipLibCheck: boolean; types: string[] }): Promise<string> {
  await writeFile(
    `${dir}tsconfig.json`,
    JSON.stringify({ compilerOptions: { module: 'nodenext', moduleResolution: 'nodenext', strict: true, noEmit: true, esModuleInterop: true, ...options }, files }),
  );
  const tsc = `${root}node_modules/typescript/bin/tsc`;
  const result = await run(process.execPath, [tsc, '-p', dir], { cwd: consumer, timeout: 120_000 }).catch(
    (error: { stdout?: string }) => ({ stdout: error.stdout ?? String(error) }),
  );
  return result.stdout;
}

beforeAll(async () => {
  if (!existsSync(new URL('../../dist/index.js', import.meta.url))) {
    throw new Error('dist/ is missing: run `npm run build` (npm test does it in `pretest`)');
  }
  // A consumer folder whose node_modules/passport-ding is this package, as after `npm install`.
  await rm(consumer, { recursive: true, force: true });
  await mkdir(`${consumer}node_modules`, { recursive: true });
  await symlink(root, `${consumer}node_modules/passport-ding`, 'dir');
  // Its own passport and type packages, which the augmentation of `{ action }` must reach.
  await symlink(`${root}node_modules/passport`, `${consumer}node_modules/passport`, 'dir');
  await symlink(`${root}node_modules/@types`, `${consumer}node_modules/@types`, 'dir');
  await writeFile(`${consumer}package.json`, '{ "name": "consumer", "private": true }\n');
});

afterAll(async () => {
  await rm(consumer, { recursive: true, force: true });
});

describe('built package', () => {
  it('works from ESM through the exports map', async () => {
    await writeFile(
      `${consumer}esm.mjs`,
      roundTrip(`import { DingOtpStrategy, DingClient, DingApiError } from 'passport-ding';
import { startDingSandbox } from 'passport-ding/sandbox';`),
    );
    expect(await node(`${consumer}esm.mjs`)).toEqual({ status: 'valid', name: 'ding', error: 'function' });
  });

  it('works from CommonJS through the exports map', async () => {
    await writeFile(
      `${consumer}cjs.cjs`,
      `(async () => {${roundTrip(`const { DingOtpStrategy, DingClient, DingApiError } = require('passport-ding');
const { startDingSandbox } = require('passport-ding/sandbox');`)}})();`,
    );
    expect(await node(`${consumer}cjs.cjs`)).toEqual({ status: 'valid', name: 'ding', error: 'function' });
  });

  it('type-checks from ESM and CommonJS consumers', async () => {
    const body = `
const strategy = new DingOtpStrategy({ apiKey: 'k', customerUuid: 'u' }, async (phone: string) => ({ phone }));
const name: string = strategy.name;
const view = pendingVerification({} as never);
const start: typeof startDingSandbox = startDingSandbox;
passport.use(strategy);
passport.authenticate('ding', { action: 'send' });
// @ts-expect-error: the augmentation types \`action\`, so a wrong one is refused
passport.authenticate('ding', { action: 'sned' });
// A route parameter narrowed to an action with the exported tuple, and the country type.
const param: string = 'verify';
const action: DingAction | undefined = DING_ACTIONS.find((a) => a === param);
passport.authenticate('ding', { action });
const country: CountryCode = 'US';
const countries: CountryCode[] = [country, 'CA'];
new DingOtpStrategy({ apiKey: 'k', defaultCountry: country, allowedCountries: countries }, async (phone: string) => ({ phone }));
// @ts-expect-error: not an ISO 3166 alpha-2 code
const notCountry: CountryCode = 'USA';
export { name, view, start, notCountry };
`;
    await writeFile(
      `${consumer}types.mts`,
      `import { DING_ACTIONS, DingOtpStrategy, pendingVerification } from 'passport-ding';
import type { CountryCode, DingAction } from 'passport-ding';
import { startDingSandbox } from 'passport-ding/sandbox';
import passport from 'passport';${body}`,
    );
    await writeFile(
      `${consumer}types.cts`,
      `import { DING_ACTIONS, DingOtpStrategy, pendingVerification } from 'passport-ding';
import type { CountryCode, DingAction } from 'passport-ding';
import { startDingSandbox } from 'passport-ding/sandbox';
import passport = require('passport');${body}`,
    );
    expect(await typeCheck(consumer, ['types.mts', 'types.cts'], { skipLibCheck: false, types: ['node'] })).toBe('');
  }, 150_000);

  // docs/phone-change.md: the phone-change verify callback accepts with any truthy value, `true`
  // in its recipe. An app that declares its Express.User (as the README's Quick start does) must
  // be able to write that, in both callback styles, while a login callback still answers a user;
  // and `details.userId`, always set in this mode, is typed so.
  it('a phone-change verify callback may answer `true` in an app that declares Express.User (CommonJS)', async () => {
    const dir = `${consumer}phone-change/`;
    await mkdir(dir, { recursive: true });
    await writeFile(
      `${dir}app.cts`,
      `import { decline, DingOtpStrategy } from 'passport-ding';
declare global {
  namespace Express { interface User { id: string; phone: string } }
}
const taken = new Set<string>();
declare function setPhone(userId: string | number, phoneNumber: string): Promise<void>;
export const promiseStyle = new DingOtpStrategy({ apiKey: 'k', phoneChange: true }, async (phoneNumber, details) => {
  if (taken.has(phoneNumber)) return decline({ code: 'phone_taken', message: 'Taken.' }, 409);
  await setPhone(details.userId, phoneNumber); // always set in this mode: no \`!\` needed
  return true;
});
export const callbackStyle = new DingOtpStrategy({ apiKey: 'k', phoneChange: true }, (_phoneNumber, _details, done) => done(null, true));
export const withRequest = new DingOtpStrategy({ apiKey: 'k', phoneChange: true, passReqToCallback: true }, async (req, _phoneNumber, details) =>
  req.user?.id === details.userId);
// A login callback answers the user Passport logs in: \`true\` is not one.
// @ts-expect-error: not a user
export const login = new DingOtpStrategy({ apiKey: 'k' }, async () => true);
`,
    );
    expect(await typeCheck(dir, ['app.cts'], { skipLibCheck: false, types: ['node'] })).toBe('');
  }, 150_000);

  // The declarations augment express-session's SessionData: a consumer whose tsconfig lists no
  // `types` and that never imports express-session must still get req.session typed, so the
  // declarations have to reference express-session's types themselves. tsup's declaration bundler
  // drops the `/// <reference types="express-session" preserve="true" />` of lib/augment.ts; the
  // `dts.banner` in tsup.config.ts writes that reference at the top of every built .d.ts instead.
  // Without the banner this test fails (TS2339: no `session` on Request).
  it('a consumer with types: [] that never imports express-session has req.session typed', async () => {
    const dir = `${consumer}no-types/`;
    await mkdir(dir, { recursive: true });
    await writeFile(
      `${dir}app.mts`,
      `import express from 'express';
import { DingOtpStrategy } from 'passport-ding';
const app = express();
app.get('/', (req, res) => { res.json({ messages: req.session.messages ?? [], strategy: typeof DingOtpStrategy }); });
`,
    );
    expect(await typeCheck(dir, ['app.mts'], { skipLibCheck: true, types: [] })).toBe('');
  }, 150_000);
});
