// A receiver on 127.0.0.1 that answers no connect: its listening socket's accept queue is full and
// nothing accepts, so the kernel drops every further SYN and a client's connect stays pending (the
// state a black-holed address gives, which loopback cannot: a closed port there refuses at once).
// The listener lives in a worker thread whose event loop is held by Atomics.wait, so nothing
// accepts; a few connections from here fill its queue (backlog 1: two are queued, the third hangs).
// release() lets the worker run: it accepts what is queued and answers every request 204.
import { connect, type Socket } from 'node:net';
import { Worker } from 'node:worker_threads';

const WORKER = `
const { parentPort, workerData } = require('node:worker_threads');
const { createServer } = require('node:http');
const server = createServer((req, res) => {
  req.resume();
  req.on('end', () => res.writeHead(204).end());
});
server.listen({ port: 0, host: '127.0.0.1', backlog: 1 }, () => {
  parentPort.postMessage(server.address().port);
  // Held here, in the listen callback, before any connection arrives: nothing is accepted.
  Atomics.wait(workerData, 0, 0);
});
`;

export interface Unaccepted {
  /** http://127.0.0.1:<port> */
  url: string;
  port: number;
  /** Lets the listener accept (and answer 204) from now on. */
  release(): void;
  close(): Promise<void>;
}

/** Resolves true once `socket` connects, false if it has not within `ms`. */
function connects(socket: Socket, ms: number): Promise<boolean> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(false), ms);
    socket.once('connect', () => {
      clearTimeout(timer);
      resolve(true);
    });
  });
}

export async function startUnaccepted(): Promise<Unaccepted> {
  const flag = new Int32Array(new SharedArrayBuffer(4));
  const worker = new Worker(WORKER, { eval: true, workerData: flag });
  const port = await new Promise<number>((resolve, reject) => {
    worker.once('message', resolve);
    worker.once('error', reject);
  });
  const fillers: Socket[] = [];
  const release = (): void => {
    Atomics.store(flag, 0, 1);
    Atomics.notify(flag, 0);
  };
  const close = async (): Promise<void> => {
    for (const socket of fillers) socket.destroy();
    release();
    await worker.terminate();
  };
  // Connect until one connect hangs: that one's SYN was dropped, so the queue is full.
  for (;;) {
    const socket = connect(port, '127.0.0.1');
    socket.on('error', () => undefined);
    fillers.push(socket);
    if (!(await connects(socket, 500))) break;
    if (fillers.length > 8) {
      await close();
      throw new Error('the accept queue of the unaccepting listener never filled');
    }
  }
  return { url: `http://127.0.0.1:${port}`, port, release, close };
}
