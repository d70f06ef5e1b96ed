// The example's store of delivery reports (example/delivery-status.ts): bounded in memory, one
// key per verification with a TTL in Redis, and a late report never moving a status back.
import type { DeliveryEvent } from 'passport-ding';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectRedis, closeRedis, type RedisClient } from '../../example/redis.js';
import { DELIVERY_STATUS_MAX_ENTRIES, DELIVERY_STATUS_TTL_MS, memoryDeliveryStatuses, redisDeliveryStatuses, type DeliveryStatusStore } from '../../example/delivery-status.js';
import { silentLogger } from '../../example/logger.js';
import { redisGate } from '../helpers/env.js';

function report(verificationId: string | undefined, status: string): DeliveryEvent {
  return { type: 'delivery', status, provider: 'prelude', ...(verificationId ? { verificationId } : {}), phone: '+1•••••0142', at: new Date() };
}

function ordering(store: () => DeliveryStatusStore): void {
  it('keeps the furthest stage: a late "sent" after "delivered" changes nothing', async () => {
    const s = store();
    await s.record(report('vrf_a', 'sent'));
    expect(await s.statusOf('vrf_a')).toBe('sent');
    await s.record(report('vrf_a', 'delivered'));
    await s.record(report('vrf_a', 'sent'));
    expect(await s.statusOf('vrf_a')).toBe('delivered');
    await s.record(report('vrf_b', 'undeliverable'));
    await s.record(report('vrf_b', 'in_transit'));
    expect(await s.statusOf('vrf_b')).toBe('undeliverable');
  });

  it('knows nothing of an id it was not told about, and ignores reports without an id', async () => {
    const s = store();
    await s.record(report(undefined, 'delivered'));
    expect(await s.statusOf('vrf_unknown')).toBeUndefined();
  });
}

describe('in memory', () => {
  ordering(() => memoryDeliveryStatuses());

  it(`holds at most ${DELIVERY_STATUS_MAX_ENTRIES} verifications, the least recently used out first`, async () => {
    const s = memoryDeliveryStatuses();
    await s.record(report('vrf_first', 'delivered'));
    await s.record(report('vrf_second', 'delivered'));
    for (let i = 0; i < DELIVERY_STATUS_MAX_ENTRIES - 2; i++) await s.record(report(`vrf_${i}`, 'sent'));
    // Full now; reading the first keeps it, so the second is the one that goes.
    expect(await s.statusOf('vrf_first')).toBe('delivered');
    await s.record(report('vrf_one_more', 'sent'));
    expect(await s.statusOf('vrf_second')).toBeUndefined();
    expect(await s.statusOf('vrf_first')).toBe('delivered');
    expect(await s.statusOf('vrf_one_more')).toBe('sent');
  });
});

if (redisGate('example delivery statuses on Redis (test/example/delivery-status.test.ts)')) {
  describe('in Redis', () => {
    const prefix = `pd-example-status-${process.pid}-${Date.now()}:`;
    let client: RedisClient;

    beforeAll(async () => {
      client = await connectRedis(process.env.REDIS_URL ?? '', silentLogger);
    });

    afterAll(async () => {
      for (const key of await client.keys(`${prefix}*`)) await client.del(key);
      await closeRedis(client);
    });

    ordering(() => redisDeliveryStatuses(client, prefix));

    it('one key per verification, expiring with the documented TTL; shared by every client', async () => {
      const s = redisDeliveryStatuses(client, prefix);
      await s.record(report('vrf_ttl', 'delivered'));
      const ttl = await client.pTTL(`${prefix}vrf_ttl`);
      expect(ttl).toBeGreaterThan(0);
      expect(ttl).toBeLessThanOrEqual(DELIVERY_STATUS_TTL_MS);
      expect(await redisDeliveryStatuses(client, prefix).statusOf('vrf_ttl')).toBe('delivered');
    });
  });
}
