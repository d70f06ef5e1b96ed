// Signs a webhook body the way the pinned scheme says Prelude (and the sandbox) does: RSASSA-PSS,
// SHA-256, salt length = digest length, base64url without padding, over the exact body bytes.
import { constants, generateKeyPairSync, sign } from 'node:crypto';
import type { KeyObject } from 'node:crypto';

export function keyPair(): { publicKey: KeyObject; privateKey: KeyObject; publicPem: string } {
  const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  return { publicKey, privateKey, publicPem: publicKey.export({ type: 'spki', format: 'pem' }).toString() };
}

export function signature(body: string | Buffer, privateKey: KeyObject, encoding: 'base64url' | 'base64' = 'base64url'): string {
  const raw = sign('sha256', Buffer.from(body), { key: privateKey, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: constants.RSA_PSS_SALTLEN_DIGEST });
  return `rsassa-pss-sha256=${raw.toString(encoding)}`;
}
