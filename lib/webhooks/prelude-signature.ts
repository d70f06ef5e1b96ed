// Prelude's webhook signature, in one function because the scheme is an assumption: Prelude's
// Verify documentation names the header (`X-Webhook-Signature: rsassa-pss-sha256=<signature>`) but
// not the bytes signed. Assumed here, and made by the sandbox the same way: RSASSA-PSS with
// SHA-256 (MGF1-SHA-256) over the raw request body exactly as sent, the signature in base64url
// (standard base64 accepted too), verified with any salt length (the signer uses the digest's).

import { constants, createPublicKey, verify } from 'node:crypto';
import type { KeyObject } from 'node:crypto';

export const PRELUDE_SIGNATURE_HEADER = 'x-webhook-signature';
const SCHEME = 'rsassa-pss-sha256=';
// An RSA-4096 signature is 512 bytes, under 700 base64 characters.
const MAX_SIGNATURE_LENGTH = 1024;
const BASE64 = /^[A-Za-z0-9+/_-]+={0,2}$/;

/** The `publicKey` option as a KeyObject: a PEM string (SPKI) or a KeyObject. Throws TypeError. */
export function preludePublicKey(value: unknown): KeyObject {
  if (typeof value === 'string') {
    try {
      return createPublicKey(value);
    } catch {
      throw new TypeError('preludeWebhook: `publicKey` is not a PEM public key (-----BEGIN PUBLIC KEY-----)');
    }
  }
  if (value !== null && typeof value === 'object' && (value as KeyObject).type === 'public') return value as KeyObject;
  throw new TypeError('preludeWebhook: `publicKey` must be a PEM string or a public crypto.KeyObject');
}

/** True when `header` is a valid signature of `body` by the key's owner. Never throws. */
export function verifyPreludeSignature(body: Buffer, header: unknown, key: KeyObject): boolean {
  if (typeof header !== 'string' || !header.startsWith(SCHEME)) return false;
  const encoded = header.slice(SCHEME.length).trim();
  if (encoded.length === 0 || encoded.length > MAX_SIGNATURE_LENGTH || !BASE64.test(encoded)) return false;
  const signature = Buffer.from(encoded.replace(/-/g, '+').replace(/_/g, '/'), 'base64');
  try {
    return verify('sha256', body, { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: constants.RSA_PSS_SALTLEN_AUTO }, signature);
  } catch {
    return false;
  }
}
