// What bounds the line-type gate's paid lookups (lib/actions/send.ts, lib/gates/line-type.ts):
// the send budgets. A number the gate refuses after its lookup (here a landline, with
// `refuse: ['FixedLine']`) was looked up, and the lookup is billed, so its send's points stay
// spent on every send rule, and the number's resend cooldown too: a script submitting refused
// numbers without end gets as many lookups as the budgets give sends, no more. A lookup that
// failed keeps them the way a failed send does (lib/actions/nothing-sent.ts): given back only when
// the provider surely did nothing (it answered a 5xx or refused, or no connection was made), kept
// when it may have done the lookup (a timeout, a reset once the request was written, an
// unreadable 200), which the step's event says as `lookup: 'unknown'`.
// Real HTTP to the sandbox (Ding V1 and Prelude V2), on the memory store and on Redis.
import express from 'express';
import type { Express } from 'express';
import request from 'supertest';
import { describe, expect, it } from 'vitest';
import type { ActionEvent, DingOtpStrategyOptions, PassportDingEvent } from 'passport-ding';
import type { FaultMode } from 'passport-ding/sandbox';
import type { LimitsOptions } from '../../lib/limits/index.js';
import { redisGate } from '../helpers/env.js';
import { harness, PROVIDERS } from '../helpers/harness.js';
import type { ProviderName } from '../helpers/harness.js';
import { ALL_RULES_OFF } from '../helpers/limit-rules.js';
import { redisClients } from '../helpers/redis-clients.js';
import type { RedisClient } from '../helpers/redis-clients.js';
import { securityApp } from '../helpers/security-app.js';

// London numbers of the drama range (020 7946 0xxx): fixed lines to libphonenumber, and so to the
// sandbox's lookup (`FixedLine`, Prelude's `fixed_line`) without any scripting.
const LANDLINE = '+442079460001';
/** Landlines of one number block (all but the last 3 digits alike). */
const SAME_BLOCK = ['+442079460001', '+442079460002', '+442079460003', '+442079460004'];
/** Landlines of four blocks. */
const OTHER_BLOCKS = ['+442079460001', '+442079461001', '+442079462001', '+442079463001'];
const MOBILE = '+14155552671';

const LOOKUP = { ding: 'lookup', prelude: 'lookupPhoneNumber' } as const;
const SEND = { ding: 'createAuthentication', prelude: 'createVerification' } as const;

type StoreKind = 'memory' | 'redis';
const KEY_SECRET = 'lookup-budget-test-secret-0123456789abcdef';
const PREFIX = `passport-ding-test:${process.pid}:lookup-budget:`;
let runs = 0;

type SendRule = 'sendsPerPhone' | 'sendsPerIp' | 'sendsPerNetwork' | 'sendsPerNumberBlock' | 'sendsPerCountry' | 'sendsGlobal';
/** Each send rule alone at 2 points, and landlines that only it counts together. */
const RULES: Array<[SendRule, string[]]> = [
  ['sendsPerPhone', [LANDLINE, LANDLINE, LANDLINE]],
  ['sendsPerIp', OTHER_BLOCKS.slice(0, 3)],
  ['sendsPerNetwork', OTHER_BLOCKS.slice(0, 3)],
  ['sendsPerNumberBlock', SAME_BLOCK.slice(0, 3)],
  ['sendsPerCountry', OTHER_BLOCKS.slice(0, 3)],
  ['sendsGlobal', OTHER_BLOCKS.slice(0, 3)],
];

function suite(store: StoreKind, provider: ProviderName, clients: RedisClient[]): void {
  const h = harness(express, {}, provider);
  const lookups = (): number => h.sandbox.stats().byOperation[LOOKUP[provider]] ?? 0;
  const sends = (): number => h.sandbox.stats().byOperation[SEND[provider]] ?? 0;

  function limits(rules: LimitsOptions): LimitsOptions {
    if (store === 'memory') return rules;
    runs += 1;
    return { ...rules, store: { redis: clients[0] as unknown as object, prefix: `${PREFIX}${provider}:${runs}:` }, keySecret: KEY_SECRET };
  }

  function app(options: Partial<DingOtpStrategyOptions>, events: ActionEvent[] = []): Express {
    const strategy = h.strategy({
      lineTypes: { refuse: ['FixedLine'] },
      timeoutMs: 300,
      onEvent: (e: PassportDingEvent) => void (e.type !== 'delivery' && events.push(e)),
      ...options,
    });
    return securityApp({ strategy, users: h.users, errors: 'message' });
  }

  const send = (target: Express, phoneNumber: string) => request(target).post('/api/send').send({ phoneNumber });

  it.each(RULES)('a landline refused after its lookup keeps its point on %s: as many lookups as the rule gives sends', async (rule, numbers) => {
    const events: ActionEvent[] = [];
    const target = app({ resendCooldownSeconds: 0, limits: limits({ ...ALL_RULES_OFF, [rule]: { points: 2, durationSeconds: 3600 } }) }, events);
    const statuses: number[] = [];
    for (const phone of numbers) statuses.push((await send(target, phone)).status);
    // Two lookups, each refused as `blocked`; the third request is refused by the rule before any lookup.
    expect(statuses).toEqual([403, 403, 429]);
    expect(lookups()).toBe(2);
    expect(sends()).toBe(0);
    expect(events.map((e) => [e.outcome, e.rule, e.lookup])).toEqual([
      ['blocked', 'lineTypes', 'answered'],
      ['blocked', 'lineTypes', 'answered'],
      ['rate_limited', rule, undefined],
    ]);
  });

  it('a landline refused after its lookup keeps its resend cooldown: looked up again only once it is over', async () => {
    const target = app({ resendCooldownSeconds: 1, limits: limits({ ...ALL_RULES_OFF }) });
    expect((await send(target, LANDLINE)).status).toBe(403);
    const again = await send(target, LANDLINE);
    expect(again.status).toBe(429);
    expect(again.body.code).toBe('retry_too_soon');
    expect(lookups()).toBe(1);
    // The memory store runs on the strategy's clock; Redis expires the cooldown on its own.
    h.clock.advance(1_100);
    if (store === 'redis') await new Promise((resolve) => setTimeout(resolve, 1_100));
    expect((await send(target, LANDLINE)).status).toBe(403);
    expect(lookups()).toBe(2);
  });

  // Faults of the lookup, and whether the provider may have done it (and billed it).
  const GIVEN_BACK: FaultMode[] = ['http500', 'http503', 'forbidden'];
  const KEPT: FaultMode[] = provider === 'prelude' ? ['timeout', 'bad_json', 'unknown_status_value'] : ['timeout', 'bad_json'];

  it.each(GIVEN_BACK)('a lookup answered with %s did nothing: the point and the cooldown come back', async (mode) => {
    const events: ActionEvent[] = [];
    const target = app({ limits: limits({ ...ALL_RULES_OFF, sendsPerPhone: { points: 1, durationSeconds: 3600 } }) }, events);
    h.sandbox.fail({ mode, operation: LOOKUP[provider] });
    expect((await send(target, MOBILE)).status).toBeGreaterThanOrEqual(500);
    expect((await send(target, MOBILE)).status).toBe(200);
    expect(lookups()).toBe(2);
    expect(sends()).toBe(1);
    expect(events.map((e) => [e.outcome, e.lookup])).toEqual([
      ['error', 'failed'],
      ['sent', 'answered'],
    ]);
  });

  it.each(KEPT)('a lookup that failed with %s may have been done: the point and the cooldown stay spent', async (mode) => {
    const events: ActionEvent[] = [];
    const target = app({ resendCooldownSeconds: 0, limits: limits({ ...ALL_RULES_OFF, sendsGlobal: { points: 1, durationSeconds: 3600 } }) }, events);
    h.sandbox.fail({ mode, operation: LOOKUP[provider] });
    expect((await send(target, MOBILE)).status).toBeGreaterThanOrEqual(500);
    const next = await send(target, OTHER_BLOCKS[1] as string);
    expect(next.status).toBe(429);
    expect(lookups()).toBe(1);
    expect(sends()).toBe(0);
    expect(events.map((e) => [e.outcome, e.lookup])).toEqual([
      ['error', 'unknown'],
      ['rate_limited', undefined],
    ]);
    // And the cooldown: the same number is not looked up again within it.
    const cooled = app({ limits: limits({ ...ALL_RULES_OFF }) });
    h.sandbox.fail({ mode, operation: LOOKUP[provider] });
    expect((await send(cooled, MOBILE)).status).toBeGreaterThanOrEqual(500);
    expect((await send(cooled, MOBILE)).body.code).toBe('retry_too_soon');
    expect(lookups()).toBe(2);
  });

  it('a lookup whose connection is reset twice (the GET and its one retry) may have been done: the point stays spent', async () => {
    const events: ActionEvent[] = [];
    const target = app({ limits: limits({ ...ALL_RULES_OFF, sendsGlobal: { points: 1, durationSeconds: 3600 } }) }, events);
    h.sandbox.fail({ mode: 'reset', times: 2, operation: LOOKUP[provider] });
    expect((await send(target, MOBILE)).status).toBeGreaterThanOrEqual(500);
    expect((await send(target, OTHER_BLOCKS[1] as string)).status).toBe(429);
    expect(lookups()).toBe(2);
    expect(events.map((e) => [e.outcome, e.lookup])).toEqual([
      ['error', 'unknown'],
      ['rate_limited', undefined],
    ]);
  });
}

describe.each(PROVIDERS)('lookups are bounded by the send budgets, memory store (%s)', (provider) => {
  suite('memory', provider, []);
});

if (redisGate('lookups are bounded by the send budgets, Redis store')) {
  describe('lookups are bounded by the send budgets, Redis store', () => {
    const clients = redisClients(1, PREFIX);
    describe.each(PROVIDERS)('%s', (provider) => {
      suite('redis', provider, clients);
    });
  });
}
