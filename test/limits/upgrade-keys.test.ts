// A rolling deploy from 0.1.0 on one Redis: 0.1.0's counters (rate-limiter-flexible) and this
// version's store share the default prefix. 0.1.0's keys are written here literally: the
// rule's name, a colon and the first 32 hex digits of HMAC-SHA-256(keySecret, 'phone:' + E.164)
// (or 'ip:' + address), a string counter with a TTL. This version hashes 'p:' / 'i:' instead, so
// its keys never meet 0.1.0's: no WRONGTYPE, no LimitStoreError, and counts start again (by
// design; docs/deploying.md#upgrading-from-010). 0.1.0's keys are left to expire.
import { createHmac, randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { Limits, resolveLimits } from '../../lib/limits/index.js';
import { redisGate } from '../helpers/env.js';
import { redisClients } from '../helpers/redis-clients.js';

const PHONE = '+12015550123';
const IP = '203.0.113.9';

/** 0.1.0's key of a phone number or address (lib/limits/keys.ts at 0.1.0). */
function key010(secret: Buffer, kind: 'phone' | 'ip', value: string): string {
  return createHmac('sha256', secret).update(`${kind}:${value}`).digest('hex').slice(0, 32);
}

if (redisGate('0.1.0 limit keys on Redis')) {
  describe('0.1.0 limit keys on Redis', () => {
    const prefix = `passport-ding-test:${randomBytes(6).toString('hex')}:`;
    const clients = redisClients(1, prefix);
    const keySecret = randomBytes(32);

    it('a number and an address at 0.1.0\'s limits are neither refused nor a store error; 0.1.0\'s keys stay as they were', async () => {
      const client = clients[0];
      if (!client) throw new Error('no Redis client');
      const limit = `${prefix}limit:`;
      // 0.1.0 at its default limits: 5 sends per phone, 30 per address, 10 wrong codes per phone.
      const old = {
        [`${limit}sends-phone:${key010(keySecret, 'phone', PHONE)}`]: '5',
        [`${limit}sends-ip:${key010(keySecret, 'ip', IP)}`]: '30',
        [`${limit}failed-checks-phone:${key010(keySecret, 'phone', PHONE)}`]: '10',
      };
      for (const [k, v] of Object.entries(old)) await client.set(k, v, { PX: 3_600_000 });

      const settings = resolveLimits({ keySecret, store: { redis: client, prefix: limit } });
      if (!settings) throw new Error('limits are off');
      const limits = new Limits(settings);
      expect((await limits.reserveSend(PHONE, IP, 30_000)).ok).toBe(true);
      expect((await limits.reserveFailedCheck(PHONE, IP)).ok).toBe(true);

      for (const [k, v] of Object.entries(old)) {
        expect(await client.get(k)).toBe(v);
        expect(await client.pTTL(k)).toBeGreaterThan(3_500_000);
      }
      const mine = (await client.keys(`${limit}*`)).filter((k) => !(k in old));
      expect(mine.length).toBeGreaterThan(0);
      for (const k of mine) expect(await client.type(k)).toBe('string');
    });
  });
}
