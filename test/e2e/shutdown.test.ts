// docs/deploying.md's "Shutting down", checked on a real process: test/e2e/shutdown-app.ts
// (sessions and limits on Redis; two strategies; limits, trusted devices and webhook ids in memory) runs
// as a child; at SIGTERM it does what the doc says and nothing more (no process.exit). After a
// login over keep-alive connections it exits 0 by itself; a login request in flight at SIGTERM
// still gets its answer first; and the same app without `redis.close()` does not exit, so the
// first case's exit is the recipe's doing.
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { Agent, request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import type { Socket } from 'node:net';
import { fileURLToPath } from 'node:url';
import { startDingSandbox, type DingSandbox } from 'passport-ding/sandbox';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { redisGate } from '../helpers/env.js';
import { phoneSequence } from '../helpers/phones.js';
import { until, waitFor } from '../helpers/wait.js';
import { deleteKeys, keysUnder } from '../helpers/redis-clients.js';

const SUITE = 'shutdown suite (test/e2e/shutdown.test.ts)';
const ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** From SIGTERM to the child's exit, at the most (a keep-alive wait of ~5 s included). */
const EXIT_BOUND_MS = 15_000;
/**
 * From the shutdown's last step to the child's exit, at the most; and how long the negative
 * control (Redis left open) must stay alive after its last step. The same figure on both sides.
 */
const AFTER_LAST_STEP_MS = 5_000;
/** tsx compiles the fixture on the fly: a few seconds, more on a busy machine. */
const START_MS = 30_000;

interface App {
  child: ChildProcessWithoutNullStreams;
  port: number;
  stdout(): string;
  stderr(): string;
  /** Resolves once `line` is printed on stdout (as a whole line); rejects when the child exits without it. */
  printed(line: string, withinMs?: number): Promise<void>;
  exited(): boolean;
}

const children: ChildProcessWithoutNullStreams[] = [];

/** One HTTP response, read whole. */
interface Reply {
  status: number;
  headers: IncomingHttpHeaders;
  body: Record<string, unknown>;
  /** The request went on a socket an earlier request had used (keep-alive). */
  reused: boolean;
}

/**
 * A user agent on node:http with a keep-alive agent: its idle sockets stay open until the server
 * closes them (node:http's agent has no idle timeout of its own), so what closes them is the app.
 * Behind a TLS proxy, as far as the app can tell (X-Forwarded-Proto), so its Secure cookies flow.
 */
class Client {
  readonly agent = new Agent({ keepAlive: true, maxSockets: 1 });
  readonly sockets = new Set<Socket>();
  /** Sockets the server ended (a FIN from the app). */
  readonly endedByServer = new Set<Socket>();
  cookies = new Map<string, string>();

  constructor(readonly port: number) {}

  request(method: 'GET' | 'POST', path: string, form?: Record<string, string>): Promise<Reply> {
    const body = form ? new URLSearchParams(form).toString() : undefined;
    return new Promise((resolve, reject) => {
      const req = httpRequest({
        host: '127.0.0.1',
        port: this.port,
        method,
        path,
        agent: this.agent,
        headers: {
          'x-forwarded-proto': 'https',
          ...(this.cookies.size > 0 ? { cookie: [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ') } : {}),
          ...(body !== undefined ? { 'content-type': 'application/x-www-form-urlencoded', 'content-length': Buffer.byteLength(body) } : {}),
        },
      }, (res) => {
        for (const set of res.headers['set-cookie'] ?? []) {
          const [pair = ''] = set.split(';');
          const eq = pair.indexOf('=');
          this.cookies.set(pair.slice(0, eq), pair.slice(eq + 1));
        }
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (text += chunk));
        res.on('end', () => {
          try {
            resolve({ status: res.statusCode ?? 0, headers: res.headers, body: JSON.parse(text) as Record<string, unknown>, reused: req.reusedSocket });
          } catch (err) {
            reject(new Error(`${method} ${path}: ${res.statusCode} ${text} (${String(err)})`));
          }
        });
      });
      req.on('socket', (socket) => {
        if (this.sockets.has(socket)) return;
        this.sockets.add(socket);
        socket.once('end', () => this.endedByServer.add(socket));
      });
      req.on('error', reject);
      req.end(body);
    });
  }

  openSockets(): number {
    return [...this.sockets].filter((socket) => !socket.destroyed).length;
  }
}

if (redisGate(SUITE)) {
  describe(SUITE, () => {
    const redisUrl = process.env.REDIS_URL as string;
    const prefix = `passport-ding-test:shutdown:${process.pid}:${randomUUID()}:`;
    const phone = phoneSequence(7_300);
    let sandbox: DingSandbox;

    async function startApp(target: DingSandbox, env: NodeJS.ProcessEnv = {}): Promise<App> {
      const child = spawn(process.execPath, ['--import', 'tsx', 'test/e2e/shutdown-app.ts'], {
        cwd: ROOT,
        env: {
          ...process.env,
          NODE_ENV: 'production',
          SANDBOX_API_KEY: target.apiKey,
          SANDBOX_PRELUDE_URL: target.preludeUrl,
          SANDBOX_WEBHOOK_PUBLIC_KEY: target.webhookPublicKey,
          REDIS_URL: redisUrl,
          REDIS_PREFIX: prefix,
          SESSION_SECRET: randomBytes(32).toString('hex'),
          LIMIT_KEY_SECRET: randomBytes(32).toString('hex'),
          ...env,
        },
      });
      children.push(child);
      let out = '';
      let err = '';
      child.stdout.setEncoding('utf8');
      child.stderr.setEncoding('utf8');
      child.stdout.on('data', (chunk: string) => (out += chunk));
      child.stderr.on('data', (chunk: string) => (err += chunk));
      let closed = false; // exited, and its output all read
      child.once('close', () => (closed = true));
      const exited = (): boolean => child.exitCode !== null || child.signalCode !== null;
      const quote = (what: string) => (): string => `${what}; stdout:\n${out}\nstderr:\n${err}`;
      const has = (line: string): boolean => out.split('\n').includes(line);
      const printed = async (line: string, withinMs = START_MS): Promise<void> => {
        await waitFor(quote(`"${line}"`), () => has(line) || closed, { withinMs });
        if (!has(line)) throw new Error(quote(`the child exited before printing "${line}"`)());
      };
      const listening = await waitFor(quote('the app to listen'), () => /^listening (\d+)$/m.exec(out) ?? closed, { withinMs: START_MS });
      if (listening === true) throw new Error(quote('the child exited before listening')());
      return { child, port: Number(listening[1]), stdout: () => out, stderr: () => err, printed, exited };
    }

    /** Sends to a new number, reads the code from the sandbox, verifies: a signed-in Client. */
    async function logIn(app: App, target: DingSandbox): Promise<{ client: Client; number: string }> {
      const client = new Client(app.port);
      const number = phone();
      const sent = await client.request('POST', '/login/phone', { phoneNumber: number });
      expect(sent).toMatchObject({ status: 200, body: { sent: true } });
      expect(client.cookies.has('shutdown.sid')).toBe(true);
      const verified = await client.request('POST', '/login/code', { code: target.latestCode(number) ?? '' });
      expect(verified).toMatchObject({ status: 200, body: { user: { id: number } } });
      // One connection for both requests.
      expect(verified.reused).toBe(true);
      return { client, number };
    }

    /** The login, then the second factor with "remember this device", and the delivery reports: every store in use. */
    async function fullLogin(app: App, target: DingSandbox): Promise<Client> {
      const { client, number } = await logIn(app, target);
      expect(await client.request('POST', '/2fa/send')).toMatchObject({ status: 200, body: { sent: true } });
      const second = await client.request('POST', '/2fa/code', { code: target.latestCode(number) ?? '', rememberDevice: 'on' });
      expect(second).toMatchObject({ status: 200, body: { user: { id: number } } });
      expect(await client.request('GET', '/me')).toMatchObject({ status: 200, body: { user: { id: number }, trusted: true } });
      expect(app.stdout()).toContain('event verify verified');
      // The sandbox's delivery reports reached the webhook route (its memory store has their ids).
      await target.webhooks.settled();
      expect(target.webhooks.stats()).toMatchObject({ failed: 0, dropped: 0, pending: 0 });
      expect(app.stdout()).toContain('event delivery delivered');
      expect(client.sockets.size).toBe(1);
      expect(client.openSockets()).toBe(1); // idle, held open by the client
      return client;
    }

    beforeAll(async () => {
      sandbox = await startDingSandbox();
    });

    afterEach(() => {
      for (const child of children.splice(0)) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    });

    afterAll(async () => {
      await sandbox?.close();
      await deleteKeys(await keysUnder(prefix));
    });

    it('after a login over keep-alive connections, SIGTERM: the app closes each thing in order and exits 0 by itself', async () => {
      const app = await startApp(sandbox);
      const client = await fullLogin(app, sandbox);
      // Sessions and limit counters went to Redis under this run's prefix.
      const keys = await keysUnder(prefix);
      expect(keys.some((key) => key.startsWith(`${prefix}sess:`))).toBe(true);
      expect(keys.some((key) => key.startsWith(`${prefix}limit:`))).toBe(true);

      const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
        app.child.once('exit', (code, signal) => resolve({ code, signal })));
      app.child.kill('SIGTERM');
      await app.printed('shutdown: redis close', EXIT_BOUND_MS);
      expect(await until(app.exited, { withinMs: AFTER_LAST_STEP_MS }), `exit within ${AFTER_LAST_STEP_MS} ms of the last step; stderr:\n${app.stderr()}`).toBe(true);
      expect(await exit).toEqual({ code: 0, signal: null });

      const steps = app.stdout().split('\n').filter((line) => line.startsWith('shutdown: '));
      expect(steps).toEqual(['shutdown: SIGTERM', 'shutdown: server closed', 'shutdown: strategies closed', 'shutdown: redis close']);
      // The idle keep-alive connection was closed by the app (server.close() closes idle ones).
      expect(client.endedByServer.size).toBe(1);
      // No unhandled rejection, no warning, no stack: nothing at all on stderr.
      expect(app.stderr()).toBe('');
      client.agent.destroy();
    }, START_MS + EXIT_BOUND_MS + 10_000);

    it('a login request in flight at SIGTERM gets its 200, no new connection is taken, then the app exits 0 by itself', async () => {
      // Every sandbox answer comes 2 s late: a verify is still at the provider when SIGTERM comes.
      const slow = await startDingSandbox({ latencyMs: 2000 });
      try {
        const app = await startApp(slow);
        const client = new Client(app.port);
        const number = phone();
        expect(await client.request('POST', '/login/phone', { phoneNumber: number })).toMatchObject({ status: 200, body: { sent: true } });
        await slow.webhooks.settled(); // no delivery report on its way at SIGTERM
        const checks = (): number => slow.stats().byOperation['checkVerification'] ?? 0;
        const before = checks();

        const verifying = client.request('POST', '/login/code', { code: slow.latestCode(number) ?? '' });
        let answered = false;
        verifying.then(() => (answered = true), () => (answered = true)); // awaited below; a failure is not unhandled meanwhile
        // The app has called the provider: the request is in flight inside the app.
        await waitFor('the app to call checkVerification', () => checks() > before, { withinMs: 10_000 });
        const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
          app.child.once('exit', (code, signal) => resolve({ code, signal })));
        app.child.kill('SIGTERM');
        const sigtermAt = Date.now();
        await app.printed('shutdown: SIGTERM', 5_000);
        expect(answered, 'the verify is still in flight at SIGTERM').toBe(false);

        // server.close() stopped listening: a new connection is refused... or, when it reached the
        // kernel's accept queue in the instant between that line and server.close(), reset as the
        // listening socket closes. Either way the app never answers it.
        const other = new Client(app.port);
        const refused = await other.request('GET', '/me').then(() => 'answered', (err: NodeJS.ErrnoException) => err.code);
        expect(['ECONNREFUSED', 'ECONNRESET']).toContain(refused);
        // ...while the request in flight finishes, with the login.
        const verified = await verifying;
        expect(verified).toMatchObject({ status: 200, body: { user: { id: number } } });
        expect(verified.headers['set-cookie']?.some((c) => c.startsWith('shutdown.sid='))).toBe(true);
        expect(app.stdout()).toContain('event verify verified');

        // Its keep-alive connection is then closed by the app, once idle, and the rest follows.
        await app.printed('shutdown: redis close', EXIT_BOUND_MS - (Date.now() - sigtermAt));
        expect(client.endedByServer.size).toBe(1);
        expect(await until(app.exited, { withinMs: AFTER_LAST_STEP_MS }), `exit within ${AFTER_LAST_STEP_MS} ms of the last step; stderr:\n${app.stderr()}`).toBe(true);
        expect(await exit).toEqual({ code: 0, signal: null });
        expect(Date.now() - sigtermAt).toBeLessThan(EXIT_BOUND_MS);
        expect(app.stderr()).toBe('');
        client.agent.destroy();
      } finally {
        await slow.close();
      }
    }, START_MS + EXIT_BOUND_MS + 15_000);

    it('negative control: the same app and login without redis.close() does not exit after SIGTERM', async () => {
      const app = await startApp(sandbox, { SHUTDOWN_SKIP_REDIS_CLOSE: '1' });
      const client = await fullLogin(app, sandbox);
      app.child.kill('SIGTERM');
      await app.printed('shutdown: redis close skipped', EXIT_BOUND_MS);
      // Everything else is closed, as in the first case; the Redis connection alone keeps it alive.
      expect(app.stdout()).toContain('shutdown: strategies closed');
      expect(await until(app.exited, { withinMs: AFTER_LAST_STEP_MS }), 'still running without redis.close()').toBe(false);
      expect(app.stderr()).toBe('');
      client.agent.destroy();
      // afterEach kills it.
    }, START_MS + EXIT_BOUND_MS + AFTER_LAST_STEP_MS + 10_000);
  });
}
