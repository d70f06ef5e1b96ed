// startDingSandbox: checks the options, makes the clock, the fault queue and the webhook queue,
// builds the API modules (Prelude V2 and Ding V1) and hands their list to the core's server.
// A third API is one more folder and one more entry in `modules`.
import { once } from 'node:events';
import { LRUCache } from 'lru-cache';
import type { AddressInfo } from 'node:net';
import { createClock } from './core/clock.js';
import { isE164 } from './core/formats.js';
import { FaultQueue } from './core/faults.js';
import type { ApiModule } from './core/module.js';
import { createSandboxServer } from './core/server.js';
import { WebhookQueue } from './core/webhooks.js';
import { createDingModule } from './ding/index.js';
import { resolveOptions } from './options.js';
import { createPreludeModule, type PreludeNumberBehavior } from './prelude/index.js';
import type { CodeEvent, DingSandbox, DingSandboxOptions, NumberBehavior } from './types.js';

/** Numbers remembered for latestCode(), as the states bound theirs. */
const MAX_NUMBERS = 10_000;

/** Codes are kept under the E.164 number the API got: '(415) 555-2671' would never match, so say so. */
function e164Argument(method: string, phoneNumber: unknown): string {
  if (typeof phoneNumber !== 'string' || !isE164(phoneNumber)) {
    throw new TypeError(`DingSandbox: ${method}() takes an E.164 number ('+14155552671'), as the strategy sends it`);
  }
  return phoneNumber;
}

let warnedInProduction = false;

/**
 * An app that starts the sandbox when its API key is missing would, on a server whose secret was
 * not mounted, run logins on codes it prints. A warning, not an error: test runs may set
 * NODE_ENV=production on purpose. Once per process.
 */
function warnInProduction(): void {
  if (warnedInProduction || process.env.NODE_ENV !== 'production') return;
  warnedInProduction = true;
  process.emitWarning(
    'passport-ding: the sandbox was started with NODE_ENV=production. It is a development tool: no SMS leaves it, its codes go to onCode (often a log), and a login through it proves nothing. If the API key is missing, set it',
    { code: 'PASSPORT_DING_SANDBOX_IN_PRODUCTION' },
  );
}

/** Starts the sandbox (Ding V1 under `/v1`, Prelude V2 under `/v2`) on 127.0.0.1 and resolves once it listens. */
export async function startDingSandbox(options: DingSandboxOptions = {}): Promise<DingSandbox> {
  const settings = resolveOptions(options);
  warnInProduction();
  const clock = createClock(settings.now);
  // Both APIs' codes, newest per number: latestCode() answers whichever API sent last.
  const latest = new LRUCache<string, CodeEvent>({ max: MAX_NUMBERS });
  const onCode = (event: CodeEvent): void => {
    latest.set(event.phoneNumber, { ...event });
    settings.onCode?.(event);
  };
  const webhooks = new WebhookQueue();
  const deliver = (delivery: Parameters<WebhookQueue['send']>[0]): void => {
    webhooks.send(delivery);
  };
  const stateSettings = { ...settings, onCode };
  // V2 reads the V1 scripts too; `preludeNumbers` wins for its numbers.
  const preludeNumbers = new Map<string, NumberBehavior | PreludeNumberBehavior>(settings.numbers);
  for (const [phone, script] of settings.preludeNumbers) preludeNumbers.set(phone, { prelude: script });
  const prelude = createPreludeModule({ apiKey: settings.apiKey, settings: stateSettings, now: clock.now, numbers: preludeNumbers, deliver });
  const ding = createDingModule({ apiKey: settings.apiKey, customerUuid: settings.customerUuid, settings: stateSettings, clock, numbers: settings.numbers, deliver });
  // Ding first: requests no module can claim (malformed HTTP) are answered in V1's error shape.
  const modules: ApiModule[] = [ding, prelude] as ApiModule[];
  const faults = new FaultQueue(modules.flatMap((m) => m.operations));
  const http = createSandboxServer({ modules, latencyMs: settings.latencyMs, now: clock.now, faults });

  http.server.listen(settings.port, settings.host);
  try {
    await Promise.race([
      once(http.server, 'listening'),
      once(http.server, 'error').then(([err]) => Promise.reject(err)),
    ]);
  } catch (err) {
    await webhooks.close();
    throw err;
  }
  const { port } = http.server.address() as AddressInfo;
  // An IPv6 literal needs brackets in a URL.
  const host = settings.host.includes(':') ? `[${settings.host}]` : settings.host;

  return {
    preludeUrl: `http://${host}:${port}`,
    url: `http://${host}:${port}/v1`,
    port,
    apiKey: settings.apiKey,
    customerUuid: settings.customerUuid,
    now: clock.now,
    get webhookPublicKey() {
      return prelude.webhookPublicKey();
    },
    webhooks: { settled: () => webhooks.settled(), stats: () => webhooks.stats() },
    latestCode: (phoneNumber) => latest.get(e164Argument('latestCode', phoneNumber))?.code,
    latestDelivery: (phoneNumber) => {
      const event = latest.get(e164Argument('latestDelivery', phoneNumber));
      return event && { ...event };
    },
    advance: (ms) => clock.advance(ms),
    fail: (fault) => faults.add(fault),
    stats: () => http.stats(),
    reset() {
      for (const m of modules) m.clear();
      latest.clear();
      faults.clear();
      http.resetStats();
      webhooks.resetStats();
    },
    close: async () => {
      await Promise.all([http.close(), webhooks.close()]);
    },
  };
}
