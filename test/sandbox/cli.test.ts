// The passport-ding-sandbox CLI as a real process: it prints its V1 and Prelude V2 URLs and its
// credentials, one line per code with a masked number (from either API), and exits cleanly on SIGTERM.
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const children: ChildProcessWithoutNullStreams[] = [];

afterEach(() => {
  for (const child of children.splice(0)) if (child.exitCode === null) child.kill('SIGKILL');
});

/** Runs lib/sandbox/cli.ts through tsx in one process (no npx wrapper, so signals reach it). */
function cli(args: string[]): { child: ChildProcessWithoutNullStreams; output: () => string; waitFor: (re: RegExp) => Promise<RegExpMatchArray> } {
  const child = spawn(process.execPath, ['--import', 'tsx', 'lib/sandbox/cli.ts', ...args], { cwd: ROOT });
  children.push(child);
  let out = '';
  const waiters: (() => void)[] = [];
  const onData = (chunk: Buffer): void => {
    out += chunk.toString('utf8');
    for (const w of waiters.splice(0)) w();
  };
  child.stdout.on('data', onData);
  child.stderr.on('data', onData);
  const waitFor = async (re: RegExp): Promise<RegExpMatchArray> => {
    for (;;) {
      const m = re.exec(out);
      if (m) return m;
      if (child.exitCode !== null) throw new Error(`CLI exited (${child.exitCode}) before printing ${re}:\n${out}`);
      await new Promise<void>((resolve) => {
        waiters.push(resolve);
        child.once('exit', () => resolve());
      });
    }
  };
  return { child, output: () => out, waitFor };
}

describe('passport-ding-sandbox CLI', () => {
  it('prints URL and credentials, then a masked line per code sent, and exits 0 on SIGTERM', async () => {
    const { child, output, waitFor } = cli(['--port', '0', '--code-length', '8', '--api-key', 'cli-key', '--cooldown', '0']);
    const [, url] = await waitFor(/ding url:\s+(http:\/\/127\.0\.0\.1:\d+\/v1) /);
    const [, apiKey] = await waitFor(/api key:\s+(\S+)\n/);
    const [, customerUuid] = await waitFor(/customer uuid:\s+(\S+) \(Ding V1 only\)\n/);
    expect(apiKey).toBe('cli-key');
    const post = (path: string, body: unknown): Promise<Record<string, unknown>> =>
      fetch(`${url}${path}`, {
        method: 'POST',
        headers: { 'x-api-key': 'cli-key', 'content-type': 'application/json' },
        body: JSON.stringify(body),
      }).then((r) => r.json() as Promise<Record<string, unknown>>);

    const created = await post('/authentication', { customer_uuid: customerUuid, phone_number: '+15551234567' });
    expect(created.status).toBe('pending');
    const [, code] = await waitFor(/code (\d{8}) for \+1•••••4567 \(send\)\n/);
    await post('/retry', { customer_uuid: customerUuid, authentication_uuid: created.authentication_uuid });
    const [, newCode] = await waitFor(/code (\d{8}) for \+1•••••4567 \(retry\)\n/);
    const checked = await post('/check', { customer_uuid: customerUuid, authentication_uuid: created.authentication_uuid, check_code: newCode });
    expect(checked.status).toBe('valid');
    expect(code).toMatch(/^\d{8}$/);

    // The Prelude V2 base URL on the same port, with the same key as a Bearer token.
    const [, preludeUrl] = await waitFor(/prelude url:\s+(http:\/\/127\.0\.0\.1:\d+) \(Prelude Verify V2/);
    expect(preludeUrl).toBe(url?.replace(/\/v1$/, ''));
    // V2 leads: the first line names its URL, and each URL line says which API it speaks.
    expect(output()).toMatch(new RegExp(`^passport-ding-sandbox listening on ${preludeUrl}\n  prelude url: `));
    expect(output()).toMatch(/ding url:\s+\S+ \(Ding V1, legacy/);
    const v2 = (path: string, body: unknown): Promise<Record<string, unknown>> =>
      fetch(`${preludeUrl}/v2${path}`, {
        method: 'POST',
        headers: { authorization: 'Bearer cli-key', 'content-type': 'application/json' },
        body: JSON.stringify(body),
      }).then((r) => r.json() as Promise<Record<string, unknown>>);
    const target = { type: 'phone_number', value: '+15557654321' };
    expect((await v2('/verification', { target })).status).toBe('success');
    const [, v2Code] = await waitFor(/code (\d{8}) for \+1•••••4321 \(send\)\n/);
    expect((await v2('/verification/check', { target, code: v2Code })).status).toBe('success');
    expect(output()).not.toContain('5551234567');
    expect(output()).not.toContain('5557654321');

    child.kill('SIGTERM');
    const [exitCode] = (await once(child, 'close')) as [number | null];
    expect(exitCode).toBe(0);
  });

  it('scripted numbers from --number', async () => {
    const { waitFor } = cli(['--port', '0', '--number', '+15550000003=blocked_number', '--number', '+15550000009=undeliverable']);
    const [, url] = await waitFor(/ding url:\s+(\S+) /);
    const [, apiKey] = await waitFor(/api key:\s+(\S+)\n/);
    const [, customerUuid] = await waitFor(/customer uuid:\s+(\S+) \(Ding V1 only\)\n/);
    const res = await fetch(`${url}/authentication`, {
      method: 'POST',
      headers: { 'x-api-key': apiKey ?? '', 'content-type': 'application/json' },
      body: JSON.stringify({ customer_uuid: customerUuid, phone_number: '+15550000003' }),
    });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { code: string }).code).toBe('blocked_number');
    // Undeliverable: sent as usual (the status events say it never arrived).
    const sent = await fetch(`${url}/authentication`, {
      method: 'POST',
      headers: { 'x-api-key': apiKey ?? '', 'content-type': 'application/json' },
      body: JSON.stringify({ customer_uuid: customerUuid, phone_number: '+15550000009' }),
    });
    const { authentication_uuid: uuid } = (await sent.json()) as { authentication_uuid: string };
    const status = (await (await fetch(`${url}/authentication/${uuid}`, { headers: { 'x-api-key': apiKey ?? '' } })).json()) as {
      events: Array<{ type: string; status?: string }>;
    };
    expect(status.events.find((e) => e.type === 'delivery_status')?.status).toBe('undeliverable');
  });

  it('--help prints usage and exits 0; a bad flag or value exits non-zero with a message', async () => {
    // Three processes at once: each start pays for tsx, and none depends on another.
    const [help, unknown, badValue] = [cli(['--help']), cli(['--colour', 'blue']), cli(['--port', '0', '--code-length', '40'])];
    const [[helpCode], [unknownCode], [badCode]] = (await Promise.all([help, unknown, badValue].map((c) => once(c.child, 'close')))) as [[number], [number], [number]];
    expect(helpCode).toBe(0);
    expect(help.output()).toContain('Usage: passport-ding-sandbox');
    expect(help.output()).toContain('undeliverable');
    expect(unknownCode).toBe(2);
    expect(unknown.output()).toContain('Usage');
    expect(badCode).toBe(1);
    expect(badValue.output()).toContain('codeLength');
  });
});
