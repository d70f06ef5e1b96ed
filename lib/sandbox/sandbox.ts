// startDingSandbox: wires options, clock, state, faults and the HTTP server, then listens.
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { createClock } from './clock.js';
import { FaultQueue } from './faults.js';
import { resolveOptions } from './options.js';
import { createSandboxServer } from './server.js';
import { SandboxState } from './state.js';
import type { DingSandbox, DingSandboxOptions } from './types.js';

export async function startDingSandbox(options: DingSandboxOptions = {}): Promise<DingSandbox> {
  const settings = resolveOptions(options);
  const clock = createClock(settings.now);
  const state = new SandboxState(settings, clock);
  const faults = new FaultQueue();
  const http = createSandboxServer({
    apiKey: settings.apiKey,
    latencyMs: settings.latencyMs,
    now: clock.now,
    faults,
    context: { state, customerUuid: settings.customerUuid, numbers: settings.numbers },
  });

  http.server.listen(settings.port, settings.host);
  await Promise.race([
    once(http.server, 'listening'),
    once(http.server, 'error').then(([err]) => Promise.reject(err)),
  ]);
  const { port } = http.server.address() as AddressInfo;
  // An IPv6 literal needs brackets in a URL.
  const host = settings.host.includes(':') ? `[${settings.host}]` : settings.host;

  return {
    url: `http://${host}:${port}/v1`,
    port,
    apiKey: settings.apiKey,
    customerUuid: settings.customerUuid,
    latestCode: (phoneNumber) => state.latestCode(phoneNumber),
    advance: (ms) => clock.advance(ms),
    fail: (fault) => faults.add(fault),
    stats: () => http.stats(),
    reset() {
      state.clear();
      faults.clear();
      http.resetStats();
    },
    close: () => http.close(),
  };
}
