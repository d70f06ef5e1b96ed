// The sandbox records how each code went out (channel, method, message text) and prints it: over
// HTTP on V2 (`preferred_channel`, `method: 'voice'`, `app_realm` web and android) and V1 (always
// SMS), through onCode and latestDelivery(), and in the CLI's output, where a WebOTP message ends
// in its `@<host> #<code>` line.
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startDingSandbox } from 'passport-ding/sandbox';
import type { CodeEvent, DingSandbox } from 'passport-ding/sandbox';
import { waitFor } from '../helpers/wait.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const PHONE = '+14155552671';
const target = { type: 'phone_number', value: PHONE };

describe('the sandbox records the channel, the method and the message', () => {
  let sandbox: DingSandbox;
  const events: CodeEvent[] = [];

  beforeAll(async () => {
    sandbox = await startDingSandbox({ onCode: (e) => events.push(e) });
  });
  afterAll(async () => {
    await sandbox.close();
  });
  afterEach(() => {
    sandbox.reset();
    events.length = 0;
  });

  async function create(body: Record<string, unknown>): Promise<{ status: number; body: Record<string, unknown> }> {
    const res = await fetch(`${sandbox.preludeUrl}/v2/verification`, {
      method: 'POST',
      headers: { authorization: `Bearer ${sandbox.apiKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ target, ...body }),
    });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  }

  it('V2 without options: SMS, method message, the plain text', async () => {
    const { body } = await create({});
    expect(body).toMatchObject({ status: 'success', method: 'message', channels: ['sms'] });
    expect(events).toEqual([expect.objectContaining({ channel: 'sms', method: 'message', message: `Your verification code is ${sandbox.latestCode(PHONE)}.` })]);
    expect(sandbox.latestDelivery(PHONE)).toEqual(events[0]);
  });

  it('V2 preferred_channel: the reply plans it first, then SMS; the code goes by it', async () => {
    const { body } = await create({ options: { preferred_channel: 'whatsapp' } });
    expect(body).toMatchObject({ status: 'success', method: 'message', channels: ['whatsapp', 'sms'] });
    expect(sandbox.latestDelivery(PHONE)).toMatchObject({ channel: 'whatsapp', method: 'message' });
  });

  it("V2 method voice: a call, said so in the reply; a resend in the same window may switch channels", async () => {
    await create({});
    const { body } = await create({ options: { method: 'voice' } });
    expect(body).toMatchObject({ status: 'retry', method: 'voice', channels: ['voice'] });
    const call = sandbox.latestDelivery(PHONE);
    expect(call).toMatchObject({ kind: 'retry', channel: 'voice', method: 'voice' });
    // Spoken digit by digit, and no realm line: a browser cannot read a call.
    expect(call?.message).toBe(`Your verification code is ${call?.code.split('').join(' ')}.`);
    expect(events.map((e) => e.channel)).toEqual(['sms', 'voice']);
  });

  it('V2 app_realm web: the message ends in the WebOTP line, the domain with its port', async () => {
    await create({ options: { app_realm: { platform: 'web', value: 'localhost:3000' } } });
    const { code, message } = sandbox.latestDelivery(PHONE) ?? { code: '', message: '' };
    const lines = message.split('\n');
    expect(lines.at(-1)).toBe(`@localhost:3000 #${code}`);
    expect(lines[0]).toBe(`Your verification code is ${code}.`);
  });

  it('V2 app_realm android: the app hash on the last line', async () => {
    await create({ options: { app_realm: { platform: 'android', value: 'FA+9qCX9VSu' } } });
    expect(sandbox.latestDelivery(PHONE)?.message.split('\n').at(-1)).toBe('FA+9qCX9VSu');
  });

  it('V2 refuses a web realm that is not a domain, and an unknown platform, as Prelude does', async () => {
    for (const value of ['https://example.com', 'example.com/login', '', 'exa mple.com', 42]) {
      const res = await create({ options: { app_realm: { platform: 'web', value } } });
      expect(res.status).toBe(400);
      expect(res.body.code).toBe('invalid_app_realm_value');
    }
    const res = await create({ options: { app_realm: { platform: 'ios', value: 'example.com' } } });
    expect(res.body.code).toBe('invalid_app_realm_platform');
    expect(events).toEqual([]);
  });

  it('V1: always SMS, method message', async () => {
    const res = await fetch(`${sandbox.url}/authentication`, {
      method: 'POST',
      headers: { 'x-api-key': sandbox.apiKey, 'content-type': 'application/json' },
      body: JSON.stringify({ customer_uuid: sandbox.customerUuid, phone_number: PHONE }),
    });
    expect(res.status).toBe(200);
    expect(sandbox.latestDelivery(PHONE)).toMatchObject({ channel: 'sms', method: 'message', kind: 'send' });
  });

  it('latestDelivery() hands out a copy: changing it changes nothing recorded', async () => {
    await create({});
    const copy = sandbox.latestDelivery(PHONE);
    if (copy) copy.code = 'changed';
    expect(sandbox.latestDelivery(PHONE)?.code).toBe(sandbox.latestCode(PHONE));
    expect(sandbox.latestDelivery('+14155550000')).toBeUndefined();
  });
});

describe('the CLI prints each code with its channel and message', () => {
  let child: ChildProcessWithoutNullStreams | undefined;
  afterEach(() => {
    if (child && child.exitCode === null) child.kill('SIGKILL');
  });

  it('a WebOTP message by SMS, then a call, under the masked code line', async () => {
    child = spawn(process.execPath, ['--import', 'tsx', 'lib/sandbox/cli.ts', '--port', '0', '--api-key', 'cli-key'], { cwd: ROOT });
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString('utf8')));
    child.stderr.on('data', (chunk: Buffer) => (out += chunk.toString('utf8')));
    // The CLI prints on its own time: poll its output.
    const printed = (re: RegExp): Promise<RegExpMatchArray> =>
      waitFor(
        () => `${re} in:\n${out}`,
        () => {
          const m = re.exec(out);
          if (m) return m;
          if (child?.exitCode !== null) throw new Error(`CLI exited before printing ${re}:\n${out}`);
          return undefined;
        },
        { withinMs: 10_000, everyMs: 25 },
      );
    const [, url] = await printed(/prelude url:\s+(http:\/\/127\.0\.0\.1:\d+) /);
    const post = (body: unknown): Promise<Response> =>
      fetch(`${url}/v2/verification`, { method: 'POST', headers: { authorization: 'Bearer cli-key', 'content-type': 'application/json' }, body: JSON.stringify(body) });

    expect((await post({ target, options: { app_realm: { platform: 'web', value: 'example.com' } } })).status).toBe(200);
    const [, code] = await printed(/code (\d{6}) for \+1•+2671 \(send\)\n {2}by sms \(method message\):\n {2}\| Your verification code is \d{6}\.\n {2}\|\n {2}\| @example\.com #(\d{6})\n/);
    expect(out).toContain(`@example.com #${code}`);

    expect((await post({ target, options: { method: 'voice' } })).status).toBe(200);
    const [, spoken] = await printed(/code (\d{6}) for \+1•+2671 \(retry\)\n {2}by voice \(method voice\):\n {2}\| Your verification code is ((?:\d ){5}\d)\.\n/);
    expect(spoken?.replace(/ /g, '')).toHaveLength(6);
    // The number is masked on the code line; the message itself never carries it.
    expect(out).not.toContain('4155552671');

    child.kill('SIGTERM');
    const [exitCode] = (await once(child, 'close')) as [number | null];
    expect(exitCode).toBe(0);
  });
});
