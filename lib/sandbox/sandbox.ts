// startDingSandbox: wires options, clock, state, faults and the HTTP server, then listens.
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { createClock } from './clock.js';
import { FaultQueue } from './faults.js';
import { resolveOptions } from './options.js';
import { PreludeState, preludeAuthorizer, type PreludeNumberBehavior } from './prelude/index.js';
import { createSandboxServer } from './server.js';
import { SandboxState } from './state.js';
import type { CodeEvent, DingSandbox, DingSandboxOptions, NumberBehavior } from './types.js';

/** Numbers remembered for latestCode(), as the states bound theirs. */
const MAX_NUMBERS = 10_000;

/** Starts the sandbox (Ding V1 under `/v1`, Prelude V2 under `/v2`) on 127.0.0.1 and resolves once it listens. */
export async function startDingSandbox(options: DingSandboxOptions = {}): Promise<DingSandbox> {
  const settings = resolveOptions(options);
  const clock = createClock(settings.now);
  // Both APIs' codes, newest per number: latestCode() answers whichever API sent last.
  const latest = new Map<string, string>();
  const onCode = (event: CodeEvent): void => {
    latest.delete(event.phoneNumber);
    if (latest.size >= MAX_NUMBERS) latest.delete(latest.keys().next().value as string);
    latest.set(event.phoneNumber, event.code);
    settings.onCode?.(event);
  };
  const state = new SandboxState({ ...settings, onCode }, clock);
  const prelude = new PreludeState({ ...settings, onCode }, clock.now);
  // V2 reads the V1 scripts too; `preludeNumbers` wins for its numbers.
  const preludeNumbers = new Map<string, NumberBehavior | PreludeNumberBehavior>(settings.numbers);
  for (const [phone, script] of settings.preludeNumbers) preludeNumbers.set(phone, { prelude: script });
  const faults = new FaultQueue();
  const http = createSandboxServer({
    apiKey: settings.apiKey,
    latencyMs: settings.latencyMs,
    now: clock.now,
    faults,
    context: { state, customerUuid: settings.customerUuid, numbers: settings.numbers },
    prelude: { context: { state: prelude, numbers: preludeNumbers }, authorize: preludeAuthorizer(settings.apiKey) },
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
    preludeUrl: `http://${host}:${port}`,
    port,
    apiKey: settings.apiKey,
    customerUuid: settings.customerUuid,
    latestCode: (phoneNumber) => latest.get(phoneNumber),
    advance: (ms) => clock.advance(ms),
    fail: (fault) => faults.add(fault),
    stats: () => http.stats(),
    reset() {
      state.clear();
      prelude.clear();
      latest.clear();
      faults.clear();
      http.resetStats();
    },
    close: () => http.close(),
  };
}
