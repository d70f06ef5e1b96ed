// The passport-ding-sandbox command run in this process (lib/sandbox/cli-main.ts's main(), with a
// stand-in for Node's process and console), so that a mutation run sees what it does:
// test/sandbox/cli.test.ts runs the same command as a real process, where no mutant reaches.
// Every flag reaches the sandbox, every refusal is exact, and SIGINT and SIGTERM close it.
import { describe, expect, it } from 'vitest';
import { main, type CliProcess } from '../../lib/sandbox/cli-main.js';
import { codeLines } from '../../lib/sandbox/code-lines.js';
import { startDingSandbox } from '../../lib/sandbox/index.js';
import type { CodeEvent } from '../../lib/sandbox/index.js';

const UUID = '3c8b1c64-5a3e-4c52-9d55-0a0f5f0b6a11';

interface Run {
  proc: CliProcess;
  /** What main() printed with log() and error(), one entry a call. */
  out: string[];
  err: string[];
  /** The listeners main() registered, by signal. */
  signals: Map<string, () => void>;
  /** Resolves with the code main() passed to exit(). */
  exited: Promise<number>;
}

/** Runs the command with `args` and resolves once main() has returned (listening, or refused). */
async function cli(args: string[]): Promise<Run> {
  const out: string[] = [];
  const err: string[] = [];
  const signals = new Map<string, () => void>();
  let exit: (code: number) => void = () => undefined;
  const exited = new Promise<number>((resolve) => (exit = resolve));
  const proc: CliProcess = {
    exitCode: undefined,
    exit: (code) => exit(code),
    once: (signal, listener) => signals.set(signal, listener),
  };
  await main(args, proc, { log: (text) => out.push(text), error: (text) => err.push(text) });
  return { proc, out, err, signals, exited };
}

/** Starts the command, runs `test` on it, and stops it by `signal` whatever happens. */
async function listening(args: string[], test: (run: Run, urls: { ding: string; prelude: string }) => Promise<void>, signal = 'SIGTERM'): Promise<void> {
  const run = await cli(args);
  try {
    expect(run.err).toEqual([]);
    const ding = /ding url:\s+(\S+) /.exec(run.out.join('\n'))?.[1] ?? '';
    const prelude = /prelude url:\s+(\S+) /.exec(run.out.join('\n'))?.[1] ?? '';
    await test(run, { ding, prelude });
  } finally {
    run.signals.get(signal)?.();
  }
  expect(await run.exited).toBe(0);
}

/** The text of `--help`, which each usage error prints after its message. */
async function usage(): Promise<string> {
  const { out } = await cli(['--help']);
  return out[0] ?? '';
}

function v1(base: string, path: string, body: unknown): Promise<Response> {
  return fetch(`${base}${path}`, {
    method: 'POST',
    headers: { 'x-api-key': 'cli-key', 'content-type': 'application/json' },
    body: JSON.stringify({ customer_uuid: UUID, ...(body as object) }),
  });
}

async function json(res: Response | Promise<Response>): Promise<Record<string, unknown>> {
  return (await (await res).json()) as Record<string, unknown>;
}

describe('passport-ding-sandbox, in process', () => {
  it('prints each URL and credential on its line, then each code as codeLines() writes it; SIGTERM closes the sandbox and exits 0', async () => {
    let port = 0;
    await listening(['--port', '0', '--api-key', 'cli-key', '--customer-uuid', UUID, '--code-length', '8', '--cooldown', '0'], async ({ out, proc }, { ding, prelude }) => {
      port = Number(new URL(prelude).port);
      expect(port).toBeGreaterThan(0);
      expect(out).toEqual([
        `passport-ding-sandbox listening on http://127.0.0.1:${port}`,
        `  prelude url:   http://127.0.0.1:${port} (Prelude Verify V2: baseUrl with apiKey alone; the api key is the Bearer token)`,
        `  ding url:      http://127.0.0.1:${port}/v1 (Ding V1, legacy: baseUrl with apiKey + customerUuid)`,
        `  api key:       cli-key`,
        `  customer uuid: ${UUID} (Ding V1 only)`,
      ]);
      expect(ding).toBe(`http://127.0.0.1:${port}/v1`);
      const created = await json(v1(ding, '/authentication', { phone_number: '+15551234567' }));
      expect(created.status).toBe('pending');
      expect(out).toHaveLength(6);
      const code = /^code (\d{8}) for /.exec(out[5] ?? '')?.[1] ?? '';
      const event: CodeEvent = { authenticationUuid: String(created.authentication_uuid), code, phoneNumber: '+15551234567', kind: 'send', channel: 'sms', method: 'message', message: `Your verification code is ${code}.` };
      expect(out[5]).toBe(codeLines(event));
      expect(proc.exitCode).toBeUndefined();
    });
    // Closed: nothing listens on that port any more.
    await expect(fetch(`http://127.0.0.1:${port}/v1/authentication`)).rejects.toThrow();
  });

  it('SIGINT closes it too; main() listens for SIGINT and SIGTERM, once each', async () => {
    let port = 0;
    let signals: string[] = [];
    await listening(
      ['--port', '0'],
      async (run, { prelude }) => {
        port = Number(new URL(prelude).port);
        signals = [...run.signals.keys()].sort();
      },
      'SIGINT',
    );
    expect(signals).toEqual(['SIGINT', 'SIGTERM']);
    await expect(fetch(`http://127.0.0.1:${port}/v1/authentication`)).rejects.toThrow();
  });

  it('listens on 8420 without --port (or says why it cannot: another process holds it)', async () => {
    const run = await cli([]);
    try {
      expect([...run.out, ...run.err].join('\n')).toContain('127.0.0.1:8420');
    } finally {
      const stop = run.signals.get('SIGTERM');
      // Started: stop it; refused: main() has called exit(1) already.
      stop?.();
      expect(await run.exited).toBe(stop ? 0 : 1);
    }
  });

  it('--host: the address it binds and names', async () => {
    await listening(['--port', '0', '--host', 'localhost'], async (_run, { ding, prelude }) => {
      expect(prelude).toMatch(/^http:\/\/localhost:\d+$/);
      expect(ding).toBe(`${prelude}/v1`);
    });
  });

  it('each number flag reaches its option: --code-length, --ttl, --cooldown, --max-retries, --max-attempts, --latency', async () => {
    const args = ['--port', '0', '--api-key', 'cli-key', '--customer-uuid', UUID, '--code-length', '4', '--ttl', '120', '--cooldown', '7', '--max-retries', '2', '--max-attempts', '1', '--latency', '120'];
    await listening(args, async ({ out }, { ding }) => {
      const started = Date.now();
      const created = await json(v1(ding, '/authentication', { phone_number: '+15551234567' }));
      expect(Date.now() - started).toBeGreaterThanOrEqual(115);
      expect(out.at(-1)).toMatch(/^code \d{4} for /);
      const createdAt = Date.parse(String(created.created_at));
      expect(Date.parse(String(created.expires_at)) - createdAt).toBe(120_000);
      const retry = await json(v1(ding, '/retry', { authentication_uuid: created.authentication_uuid }));
      expect(retry).toMatchObject({ status: 'denied', remaining_retry: 2 });
      expect(Date.parse(String(retry.next_retry_at)) - createdAt).toBe(7_000);
      const check = (code: string): Promise<Record<string, unknown>> => json(v1(ding, '/check', { authentication_uuid: created.authentication_uuid, check_code: code }));
      const wrong = /^code (\d{4})/.exec(out.at(-1) ?? '')?.[1] === '0000' ? '1111' : '0000';
      expect((await check(wrong)).status).toBe('invalid');
      expect((await check(wrong)).status).toBe('rate_limited');
    });
  });

  it('--number, repeatable: each number answers as scripted', async () => {
    await listening(['--port', '0', '--api-key', 'cli-key', '--customer-uuid', UUID, '--number', '+15550000003=blocked_number', '--number', '+15550000004=unsupported_region'], async (_run, { ding }) => {
      const first = await v1(ding, '/authentication', { phone_number: '+15550000003' });
      expect(first.status).toBe(400);
      expect((await json(first)).code).toBe('blocked_number');
      const second = await v1(ding, '/authentication', { phone_number: '+15550000004' });
      expect(second.status).toBe(400);
      expect((await json(second)).code).toBe('unsupported_region');
      expect((await json(v1(ding, '/authentication', { phone_number: '+15550000005' }))).status).toBe('pending');
    });
  });

  it('--help and -h print the usage alone, start nothing and leave the exit code alone', async () => {
    for (const flag of ['--help', '-h']) {
      const { out, err, signals, proc } = await cli([flag]);
      expect(out).toHaveLength(1);
      expect(out[0]).toMatch(/^Usage: passport-ding-sandbox \[options\]\n/);
      for (const option of ['--port', '--host', '--api-key', '--customer-uuid', '--code-length', '--ttl', '--max-attempts', '--cooldown', '--max-retries', '--latency', '--number', '--help']) {
        expect(out[0]).toContain(option);
      }
      expect(out[0]).toContain('undeliverable');
      expect(err).toEqual([]);
      expect(signals.size).toBe(0);
      expect(proc.exitCode).toBeUndefined();
    }
  });

  it('a usage error: its message, then the usage, on stderr; exit code 2; nothing started', async () => {
    const text = await usage();
    const cases: Array<[string[], string | RegExp]> = [
      [['--colour', 'blue'], /^Unknown option '--colour'/],
      [['--port', '0', 'extra'], /^Unexpected argument 'extra'/],
      [['--port'], /^Option '--port <value>' argument missing/],
      [['--port', ' '], '--port must be a number'],
      [['--ttl', 'abc'], '--ttl must be a number'],
      [['--latency', 'Infinity'], '--latency must be a number'],
      [['--max-retries', ''], '--max-retries must be a number'],
      [['--number', '=blocked_number'], '--number takes +E164=kind, e.g. +12015550101=blocked_number'],
      [['--number', '+15550000003'], '--number takes +E164=kind, e.g. +12015550101=blocked_number'],
      [['--number', '+15550000003='], '--number takes +E164=kind, e.g. +12015550101=blocked_number'],
      [['--number', '+15550000003=nope'], '--number takes +E164=kind, e.g. +12015550101=blocked_number'],
    ];
    for (const [args, message] of cases) {
      const { out, err, signals, proc } = await cli(args);
      expect(out).toEqual([]);
      expect(err).toHaveLength(1);
      const head = (err[0] ?? '').split('\n')[0] ?? '';
      expect(head.startsWith('passport-ding-sandbox: ')).toBe(true);
      const said = head.slice('passport-ding-sandbox: '.length);
      if (typeof message === 'string') expect(said).toBe(message);
      else expect(said).toMatch(message);
      expect(err[0]).toBe(`${head}\n\n${text}`);
      expect(proc.exitCode).toBe(2);
      expect(signals.size).toBe(0);
    }
  });

  it("a value the sandbox refuses: the sandbox's own message, exit(1)", async () => {
    const message = await startDingSandbox({ codeLength: 40 }).then(
      () => 'started',
      (e: unknown) => (e as Error).message,
    );
    expect(message).toMatch(/codeLength/);
    const { out, err, exited, proc } = await cli(['--port', '0', '--code-length', '40']);
    expect(await exited).toBe(1);
    expect(err).toEqual([`passport-ding-sandbox: ${message}`]);
    expect(out).toEqual([]);
    expect(proc.exitCode).toBeUndefined();
  });
});
