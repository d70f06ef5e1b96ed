// Which OTP API the example speaks, from the configuration and (with no credentials) the
// sandbox started in-process. Kept apart from ./start.ts so it can be tested without a process.
import type { DingSandbox } from 'passport-ding/sandbox';
import type { DingCredentials } from './auth.js';
import type { Config } from './config.js';

export interface ApiChoice {
  credentials: DingCredentials;
  /** For the start banner: `Prelude Verify V2` or `Ding V1`. */
  name: string;
}

/**
 * PRELUDE_API_KEY: the real Prelude Verify V2 API. DING_API_KEY + DING_CUSTOMER_UUID: the real
 * Ding V1 API. Neither: the sandbox, on its V2 endpoints unless EXAMPLE_PROVIDER=ding.
 */
export function chooseApi(config: Pick<Config, 'provider' | 'prelude' | 'ding'>, sandbox?: Pick<DingSandbox, 'apiKey' | 'customerUuid' | 'url' | 'preludeUrl'>): ApiChoice {
  if (config.prelude) return { name: 'Prelude Verify V2', credentials: { provider: 'prelude', ...config.prelude } };
  if (config.ding) return { name: 'Ding V1', credentials: config.ding };
  if (!sandbox) throw new TypeError('chooseApi: no credentials and no sandbox');
  // `provider: 'prelude'` is explicit so the choice never depends on how the library infers it.
  return config.provider === 'ding'
    ? { name: 'Ding V1', credentials: { apiKey: sandbox.apiKey, customerUuid: sandbox.customerUuid, baseUrl: sandbox.url } }
    : { name: 'Prelude Verify V2', credentials: { provider: 'prelude', apiKey: sandbox.apiKey, baseUrl: sandbox.preludeUrl } };
}
