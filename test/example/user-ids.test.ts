// Logged user ids must not reveal phone numbers (issue 13, item 12). They were an unkeyed SHA-256
// of the number cut to 16 hex digits, reversed by hashing every number in a range. Here the
// attacker's search runs against the ids the example really logs: none may match, and the ids
// still agree between instances that share the session secret.
import { createHash } from 'node:crypto';
import request from 'supertest';
import type { DingSandbox } from 'passport-ding/sandbox';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { csrfFrom, startExample, startSandbox, TestClock, type RunningExample } from '../helpers/example-app.js';

const clock = new TestClock();
let sandbox: DingSandbox;
const started: RunningExample[] = [];

beforeAll(async () => {
  sandbox = await startSandbox(clock);
});
afterAll(async () => {
  for (const app of started) await app.stop();
  await sandbox?.close();
});

async function app(sessionSecret: string): Promise<RunningExample> {
  const example = await startExample(sandbox, clock, { sessionSecret, limits: false });
  started.push(example);
  return example;
}

/** Phone login on `example`; returns the user id its log line names. */
async function loggedIdFor(example: RunningExample, phone: string): Promise<string> {
  const agent = request.agent(example.url);
  const login = await agent.get('/login').expect(200);
  await agent.post('/login/phone').type('form').send({ _csrf: csrfFrom(login.text), phoneNumber: phone }).expect(303);
  const code = await agent.get('/login/code').expect(200);
  await agent.post('/login/code').type('form').send({ _csrf: csrfFrom(code.text), code: sandbox.latestCode(phone) }).expect(303);
  const line = example.logs.filter((l) => l.includes('login.signed_in')).at(-1) ?? '';
  const id = / user=(\S+)/.exec(line)?.[1];
  if (!id) throw new Error(`no user id in the log:\n${example.logs.join('\n')}`);
  return id;
}

describe('user ids in the log', () => {
  it('do not lead back to the number: hashing every number of the range finds none', async () => {
    const example = await app('secret one');
    const phones = ['+12015550142', '+12015559876', '+12015550007'];
    const ids: string[] = [];
    for (const p of phones) ids.push(await loggedIdFor(example, p));
    expect(new Set(ids).size).toBe(phones.length);
    for (const id of ids) expect(id).toMatch(/^u-[0-9a-f]{32}$/);

    // The attacker's search: every +1 201 555 XXXX, hashed as E.164, without the +, and national.
    const found: string[] = [];
    for (let n = 0; n < 10_000; n += 1) {
      const e164 = `+1201555${String(n).padStart(4, '0')}`;
      for (const form of [e164, e164.slice(1), e164.slice(2)]) {
        const hex = createHash('sha256').update(form).digest('hex');
        for (const id of ids) if (id.includes(hex.slice(0, 12))) found.push(`${id} = sha256(${form})`);
      }
    }
    expect(found).toEqual([]);
    for (const p of phones) expect(ids.join(' ')).not.toContain(p.slice(2));
  });

  it('agree between instances that share the secret, and differ for another secret', async () => {
    const phone = '+12015550321';
    const a = await loggedIdFor(await app('shared secret'), phone);
    const b = await loggedIdFor(await app('shared secret'), phone);
    const other = await loggedIdFor(await app('another secret'), phone);
    expect(b).toBe(a);
    expect(other).not.toBe(a);
  });
});
