// How the sandbox signs V2 webhooks. Prelude does not spell out the bytes signed for Verify
// webhooks; this is the scheme the project assumes (its Session API's: RSASSA-PSS, SHA-256,
// MGF1-SHA-256, salt length = digest length, over the raw request body, base64url without
// padding), kept in this one function so a correction is one edit. The receivers in the main
// package verify the same way.
import { constants, generateKeyPairSync, sign, type KeyObject } from 'node:crypto';

export const SIGNATURE_HEADER = 'x-webhook-signature';
export const SIGNATURE_PREFIX = 'rsassa-pss-sha256=';

/** The `X-Webhook-Signature` value for these exact body bytes. */
export function signatureHeader(body: Buffer, privateKey: KeyObject): string {
  const signature = sign('sha256', body, {
    key: privateKey,
    padding: constants.RSA_PKCS1_PSS_PADDING,
    saltLength: constants.RSA_PSS_SALTLEN_DIGEST,
  });
  return SIGNATURE_PREFIX + signature.toString('base64url');
}

export interface SigningKeys {
  privateKey: KeyObject;
  /** SPKI PEM (`-----BEGIN PUBLIC KEY-----`). */
  publicKeyPem: string;
}

/**
 * An RSA-2048 pair, made on first use: generating one takes tens of milliseconds, which most
 * sandboxes (no webhooks) should not pay at start.
 */
export function lazyKeys(): () => SigningKeys {
  let keys: SigningKeys | undefined;
  return () => {
    if (!keys) {
      const pair = generateKeyPairSync('rsa', { modulusLength: 2048 });
      keys = { privateKey: pair.privateKey, publicKeyPem: pair.publicKey.export({ type: 'spki', format: 'pem' }).toString() };
    }
    return keys;
  };
}
