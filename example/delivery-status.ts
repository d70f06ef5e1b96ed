// Delivery reports of the provider's webhooks, kept per verification id so that the code page can
// say whether the SMS was sent, delivered or undeliverable. Keyed by the provider's verification
// id, never by the phone number: a page shows only the status of the verification its own session
// started (the id the session remembered at send time, see ./otp-events.ts), so two people sending
// to numbers with the same mask never see each other's status.
//
// Bounded: in memory at most DELIVERY_STATUS_MAX_ENTRIES ids (least recently used out first),
// each kept DELIVERY_STATUS_TTL_MS; in Redis one key per id with the same TTL, so instances
// behind a load balancer agree whichever of them received the webhook.
import { LRUCache } from 'lru-cache';
import type { DeliveryEvent } from 'passport-ding';
import type { RedisClient } from './redis.js';

/** The most verification ids kept in memory (about 100 bytes each: 1 MB at most). */
export const DELIVERY_STATUS_MAX_ENTRIES = 10_000;
/** How long a report is kept: longer than any code lives, so the page never loses it. */
export const DELIVERY_STATUS_TTL_MS = 30 * 60 * 1000;

// Reports may arrive out of order (a provider retry after the next report). A later stage never
// goes back to an earlier one: "delivered" stays delivered when a late "sent" comes in.
const STAGE: Record<string, number> = { created: 0, sent: 1, submitted: 2, in_transit: 3, unknown: 4, delivered: 5, undeliverable: 5 };

function stageOf(status: string): number {
  return STAGE[status] ?? 4;
}

export interface DeliveryStatusStore {
  /** Records a webhook's report (events without a verification id are ignored). */
  record(event: DeliveryEvent): Promise<void>;
  /** The latest status for `verificationId`, if a report came. */
  statusOf(verificationId: string): Promise<string | undefined>;
}

export function memoryDeliveryStatuses(): DeliveryStatusStore {
  const statuses = new LRUCache<string, string>({ max: DELIVERY_STATUS_MAX_ENTRIES, ttl: DELIVERY_STATUS_TTL_MS });
  return {
    record: async (event) => {
      if (!event.verificationId) return;
      const previous = statuses.get(event.verificationId);
      if (previous === undefined || stageOf(event.status) >= stageOf(previous)) statuses.set(event.verificationId, event.status);
    },
    statusOf: async (id) => statuses.get(id),
  };
}

// Keeps `stage:status` and replaces it only by a stage at least as far along, in one step (two
// instances may receive two reports of the same message at once).
const RECORD_SCRIPT = `
local current = redis.call('GET', KEYS[1])
if current and tonumber(string.match(current, '^(%d+):')) > tonumber(ARGV[1]) then return 0 end
redis.call('SET', KEYS[1], ARGV[1] .. ':' .. ARGV[2], 'PX', ARGV[3])
return 1`;

export function redisDeliveryStatuses(client: RedisClient, prefix: string): DeliveryStatusStore {
  return {
    record: async (event) => {
      if (!event.verificationId) return;
      await client.eval(RECORD_SCRIPT, {
        keys: [`${prefix}${event.verificationId}`],
        arguments: [String(stageOf(event.status)), event.status, String(DELIVERY_STATUS_TTL_MS)],
      });
    },
    statusOf: async (id) => {
      const value = await client.get(`${prefix}${id}`);
      return typeof value === 'string' ? value.slice(value.indexOf(':') + 1) : undefined;
    },
  };
}
