// Whether a failed send or resend surely sent nothing, so that its points and the number's resend
// cooldown can come back. Only the provider's own answer (a refusal, a 5xx) or a request that
// never left proves it. A timeout, a reset once the request was written, or an unreadable reply
// can come after the provider accepted the request and texted the code. Giving points back then
// would let a script re-send at once, every time, during a provider brownout (a slow or flaky API
// that the circuit breaker, which opens only after faults in a row, does not stop), each SMS on
// the app's bill and in no budget. Such a fault keeps the points and the cooldown.

import { OtpApiError, OtpAuthError, OtpUnavailableError } from '../errors.js';
import { errorCode } from '../http.js';

// Failures before a request is written: no connection made (refused, no such host, no route),
// the connect step timed out, the pool was closed, the TLS handshake refused the certificate.
const NOT_CONNECTED: ReadonlySet<string> = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_CLOSED',
  'UND_ERR_DESTROYED',
  'ERR_TLS_CERT_ALTNAME_INVALID',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'CERT_HAS_EXPIRED',
]);

export function nothingSent(err: unknown): boolean {
  // The provider answered and refused (a documented error, or the credentials): no code went out.
  if (err instanceof OtpApiError || err instanceof OtpAuthError) return true;
  if (!(err instanceof OtpUnavailableError)) return false;
  if (err.reason === 'circuit_open') return true;
  // The provider answered, and not with success (a 5xx, an unexpected 3xx): it says it did not do
  // it. One that texted and then answered 500 would be its bug, not an attacker's lever. A 200
  // with an unreadable body may well have sent the code.
  if ((err.upstreamStatus ?? 0) >= 300) return true;
  return NOT_CONNECTED.has(errorCode(err.cause));
}
