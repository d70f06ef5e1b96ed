// The fetch baseline: the hand-written route pair over Node's global fetch, as a typical SDK
// calls the API. Its pool is Node's global dispatcher, which has no per-origin connection limit.
import { handwrittenApp } from './handwritten.js';
import type { BenchApp, DingTarget } from './shell.js';
import { UpstreamError, type Upstream } from './upstream.js';

function fetchUpstream(ding: DingTarget): Upstream {
  const base = ding.url.replace(/\/+$/, '');
  const headers = { 'content-type': 'application/json', accept: 'application/json', 'x-api-key': ding.apiKey };
  return {
    poolSize: undefined,
    async post(path, body) {
      const res = await fetch(base + path, { method: 'POST', headers, body: JSON.stringify(body) });
      if (res.status !== 200) {
        await res.body?.cancel();
        throw new UpstreamError(res.status);
      }
      return (await res.json()) as Record<string, unknown>;
    },
    close: async () => {},
  };
}

export async function fetchApp(ding: DingTarget): Promise<BenchApp> {
  return handwrittenApp(ding, fetchUpstream(ding));
}
