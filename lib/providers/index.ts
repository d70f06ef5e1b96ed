// The provider registry: the strategy's options in, one OtpProvider out. The strategy names no
// provider; everything it knows about Prelude or Ding is the line for it in BUILT_IN below.
//
// Which API, from what the app passes:
//   { apiKey }                        Prelude Verify V2 (new keys are V2 keys)
//   { apiKey, customerUuid }          Ding V1, the legacy path (only V1 has a customer UUID)
//   { provider: 'prelude' | 'ding' }  that one, whatever the credentials suggest
//   { provider: anOtpProvider }       that instance, as is
// `baseUrl`, `timeoutMs` and `circuitBreaker` go to whichever built-in provider is chosen.

import type { CircuitBreakerOptions } from '../circuit-breaker.js';
import { DingProvider } from './ding/provider.js';
import { UUID } from './ding/wire.js';
import { PreludeProvider } from './prelude/provider.js';
import type { OtpProvider } from './provider.js';

/** What a built-in provider is built from: the strategy's provider options, checked for type. */
export interface BuiltInProviderOptions {
  apiKey: string;
  customerUuid: string | undefined;
  baseUrl: string | undefined;
  timeoutMs: number | undefined;
  circuitBreaker: CircuitBreakerOptions | false | undefined;
  /** Set when the provider was inferred from the credentials: the text of a refused-key error. */
  authErrorHint: string | undefined;
  /** Other credentials the client blanks from upstream texts. */
  redact: readonly string[];
}

interface BuiltInProvider {
  /** Builds the provider; throws a TypeError for options it cannot use. */
  create(options: BuiltInProviderOptions): OtpProvider;
  /** What a refused key (HTTP 401/403) means when this provider was only inferred. */
  wrongKeyHint: string;
}

/** One line per built-in provider: its name (the `provider` option's value) and how to build it. */
const BUILT_IN = {
  prelude: {
    create: ({ customerUuid, ...options }) => {
      // A leftover V1 setting: Prelude V2 has no customer UUID, and silently ignoring it would hide a half-done migration.
      if (customerUuid !== undefined) throw new TypeError("DingOtpStrategy: Prelude V2 takes no `customerUuid`; remove it with provider 'prelude'");
      return new PreludeProvider(withoutUndefined(options));
    },
    wrongKeyHint: 'Prelude refused the API key; a Ding V1 key needs `customerUuid` (or `provider: \'ding\'`)',
  },
  ding: {
    create: ({ customerUuid, ...options }) => {
      if (typeof customerUuid !== 'string' || customerUuid === '') {
        throw new TypeError("DingOtpStrategy with provider 'ding' requires `apiKey` and `customerUuid` (Ding V1 credentials)");
      }
      if (!UUID.test(customerUuid)) {
        throw new TypeError('DingOtpStrategy: `customerUuid` must be your Ding customer UUID (32 hex digits as 8-4-4-4-12, from the Ding dashboard)');
      }
      // Every V1 path hangs off /v1: a base without it would only fail at the first send, as a 404.
      if (options.baseUrl !== undefined && typeof options.baseUrl === 'string' && !/\/v1\/?$/.test(safePath(options.baseUrl))) {
        throw new TypeError('DingOtpStrategy: a Ding V1 `baseUrl` ends in /v1 (https://api.ding.live/v1, or the sandbox\'s `url`)');
      }
      return new DingProvider(withoutUndefined({ ...options, customerUuid }));
    },
    wrongKeyHint: 'Ding V1 refused the API key; a Prelude V2 key goes without `customerUuid`',
  },
} satisfies Record<string, BuiltInProvider>;

/** The names `provider` accepts. */
export type ProviderName = keyof typeof BUILT_IN;
/** The built-in provider names, in registry order. */
export const PROVIDER_NAMES = Object.keys(BUILT_IN) as readonly ProviderName[];

/** The provider-related strategy options. */
export interface ProviderOptions {
  provider?: OtpProvider | ProviderName | undefined;
  apiKey?: string | undefined;
  customerUuid?: string | undefined;
  baseUrl?: string | undefined;
  timeoutMs?: number | undefined;
  circuitBreaker?: CircuitBreakerOptions | false | undefined;
}

/** Whether `value` has the methods of an OtpProvider (the strategy calls nothing else). */
export function isOtpProvider(value: unknown): value is OtpProvider {
  if (value === null || typeof value !== 'object') return false;
  const p = value as Record<string, unknown>;
  return typeof p.send === 'function' && typeof p.check === 'function' && typeof p.resend === 'function' && typeof p.close === 'function';
}

function isProviderName(value: unknown): value is ProviderName {
  return typeof value === 'string' && Object.hasOwn(BUILT_IN, value);
}

/**
 * The provider the options ask for; `redact` are other credentials its errors must never carry.
 * Throws a TypeError for a setup that cannot work.
 */
export function providerFromOptions(options: ProviderOptions, redact: readonly string[] = []): OtpProvider {
  const { provider, apiKey, customerUuid, baseUrl, timeoutMs, circuitBreaker } = options;
  if (provider !== undefined && !isProviderName(provider)) {
    if (typeof provider === 'string') {
      const asked: string = provider;
      const near = PROVIDER_NAMES.find((n) => n === asked.trim().toLowerCase());
      throw new TypeError(
        `DingOtpStrategy: \`provider\` must be ${PROVIDER_NAMES.map((n) => `'${n}'`).join(' or ')}, or an OtpProvider instance` +
          (near ? ` (did you mean '${near}'?)` : ''),
      );
    }
    if (apiKey !== undefined || customerUuid !== undefined) {
      throw new TypeError('DingOtpStrategy takes either `provider` or `apiKey` (+ `customerUuid`), not both');
    }
    // The instance has its own connection settings; these would be silently ignored.
    if (baseUrl !== undefined || timeoutMs !== undefined || circuitBreaker !== undefined) {
      throw new TypeError(
        'DingOtpStrategy: `baseUrl`, `timeoutMs` and `circuitBreaker` belong to the provider; pass them to its constructor, not with a `provider` instance',
      );
    }
    if (!isOtpProvider(provider)) {
      throw new TypeError(`DingOtpStrategy: \`provider\` must be ${PROVIDER_NAMES.map((n) => `'${n}'`).join(' or ')}, or implement send, check, resend and close`);
    }
    return provider;
  }
  if (typeof apiKey !== 'string' || apiKey === '') {
    throw new TypeError(
      "DingOtpStrategy requires `apiKey` (a Prelude V2 key; with `customerUuid`, a Ding V1 key) or a `provider`; offline, startDingSandbox() from 'passport-ding/sandbox' gives both a key and a URL",
    );
  }
  if (customerUuid !== undefined && typeof customerUuid !== 'string') throw new TypeError('DingOtpStrategy: `customerUuid` must be a string');
  // `baseUrl`, `timeoutMs` and `circuitBreaker` are checked where they are used (lib/http.ts,
  // lib/circuit-breaker.ts): one set of rules.
  const inferred = provider === undefined;
  const name: ProviderName = provider ?? (customerUuid !== undefined ? 'ding' : 'prelude');
  const entry: BuiltInProvider = BUILT_IN[name];
  try {
    return entry.create({
      apiKey,
      customerUuid,
      baseUrl,
      timeoutMs,
      circuitBreaker,
      authErrorHint: inferred ? entry.wrongKeyHint : undefined,
      redact,
    });
  } catch (err) {
    // The clients' own checks say `baseUrl must ...`: the app sees them as the strategy option they are.
    if (err instanceof TypeError && !err.message.startsWith('DingOtpStrategy')) throw new TypeError(`DingOtpStrategy: ${err.message}`);
    throw err;
  }
}

/** The path of a URL, or '' when it does not parse (the client's own check says why). */
function safePath(url: string): string {
  try {
    return new URL(url).pathname;
  } catch {
    return '';
  }
}

/** The options without the keys whose value is undefined (the constructors treat absent as default). */
function withoutUndefined<T extends object>(o: T): { [K in keyof T]: Exclude<T[K], undefined> } {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as { [K in keyof T]: Exclude<T[K], undefined> };
}
