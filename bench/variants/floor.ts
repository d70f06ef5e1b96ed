// The floor: the hand-written route pair (handwritten.ts: express-session, Passport's session
// login, libphonenumber-js for the phone) over a raw undici Pool, keep-alive, as large as the
// strategy's pool. No deadline, reply checks or error typing: the least a careful app can do.
import { Pool } from 'undici';
import { handwrittenApp } from './handwritten.js';
import type { BenchApp, DingTarget } from './shell.js';
import { UpstreamError, type Upstream } from './upstream.js';

export const FLOOR_POOL_SIZE = 16;

export function undiciUpstream(ding: DingTarget): Upstream {
  const base = new URL(ding.url);
  const basePath = base.pathname.replace(/\/+$/, '');
  const pool = new Pool(base.origin, { connections: FLOOR_POOL_SIZE });
  const headers = { 'content-type': 'application/json', accept: 'application/json', 'x-api-key': ding.apiKey };
  return {
    poolSize: FLOOR_POOL_SIZE,
    async post(path, body) {
      const res = await pool.request({ method: 'POST', path: basePath + path, headers, body: JSON.stringify(body) });
      if (res.statusCode !== 200) {
        await res.body.dump();
        throw new UpstreamError(res.statusCode);
      }
      return (await res.body.json()) as Record<string, unknown>;
    },
    close: () => pool.close(),
  };
}

export async function floorApp(ding: DingTarget): Promise<BenchApp> {
  return handwrittenApp(ding, undiciUpstream(ding));
}
