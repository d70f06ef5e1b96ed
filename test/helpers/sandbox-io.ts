// Small pieces for the sandbox's own suites: a sandbox for one test (so a mutation run sees what
// the test does: one started in a beforeAll is outside its view), and raw bytes over a socket for
// input no HTTP client would send.
import { once } from 'node:events';
import { connect } from 'node:net';
import { startDingSandbox, type DingSandbox, type DingSandboxOptions } from '../../lib/sandbox/index.js';

/** Starts a sandbox with `options`, runs `run` on it, and closes it whatever happens. */
export async function withSandbox(run: (sandbox: DingSandbox) => Promise<void>, options: DingSandboxOptions = {}): Promise<void> {
  const sandbox = await startDingSandbox(options);
  try {
    await run(sandbox);
  } finally {
    await sandbox.close();
  }
}

/** Writes `payload` to 127.0.0.1:`port` and resolves with everything read until the server ends the connection. */
export async function rawExchange(port: number, payload: string | Buffer): Promise<string> {
  const socket = connect(port, '127.0.0.1');
  await once(socket, 'connect');
  socket.write(payload);
  const chunks: Buffer[] = [];
  socket.on('data', (c: Buffer) => chunks.push(c));
  await Promise.race([once(socket, 'close'), once(socket, 'end')]);
  socket.destroy();
  return Buffer.concat(chunks).toString('utf8');
}
