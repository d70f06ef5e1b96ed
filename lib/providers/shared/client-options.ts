// The connection options both API clients take (DingClient, PreludeClient), beside their key and
// base URL, whose rules differ per API.

import type { CircuitBreakerOptions } from '../../http.js';

/** How an API client calls: deadline, pool, redaction, circuit breaker, and the refused-key message. */
export interface ClientCallOptions {
  /** Deadline per call in milliseconds, connect to last byte. Default 5000. */
  timeoutMs?: number | undefined;
  /** Maximum pooled keep-alive sockets to the API. Default 16. */
  connections?: number | undefined;
  /** More credentials never to appear in an error, blanked from upstream texts as the key is (the strategy passes its `webhookUrl` secret). */
  redact?: readonly string[] | undefined;
  /**
   * After `failures` consecutive faults (timeouts, 5xx, connection failures), calls fail at once
   * with OtpUnavailableError('circuit_open') for `cooldownMs`, then one call probes. Default
   * `{ failures: 5, cooldownMs: 10_000 }`; `false` turns it off.
   */
  circuitBreaker?: CircuitBreakerOptions | false | undefined;
  /**
   * The message of the OtpAuthError a refused key (HTTP 401/403) becomes. The strategy sets it
   * when it chose the API from the credentials, to say the key may be the other API's.
   */
  authErrorHint?: string | undefined;
}
