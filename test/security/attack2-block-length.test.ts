// attack2: the number-block rule in variable-length plans, past what the max metadata types.
//
// Round 1 made a number longer than its type's typical national length count in the block of that
// length (lib/limits/block-length.ts), so a rented range cannot open ten new blocks per extension
// digit. But the fold needs the number's type, read with libphonenumber-js's *max* metadata, while
// lib/phone.ts accepts a number when the *min* metadata (lengths and leading digits only) calls it
// valid. A number one or more digits longer than its type's longest length is valid to phone.ts,
// has no type in max (getType() undefined), so blockLength() keeps its full length: every extra
// digit again gives ten times as many fresh blocks. German premium-rate (+49 900) and mobile
// (+49 151) ranges both do this; phone.ts even accepts 16-digit "E.164" numbers (+4915123456000123).
//
// Expected safe behaviour: numbers of one held range count as one block whatever digits are
// dialled after it, as the round-1 fix promises (SECURITY.md, "per 1,000-number block"): either
// phone.ts refuses a number the max metadata calls invalid (invalid_phone_number, nothing spent),
// or blockLength() cuts an untyped number longer than its country's typical length too. Then, with
// a block budget of 1, only the first send of each spread below goes out. The same holds for the
// non-geographic codes (+882, +883), which blockLength() does not look at at all (last test).
import request from 'supertest';
import { describe, expect, it } from 'vitest';
import { DingOtpStrategy } from 'passport-ding';
import { FakeProvider } from '../helpers/fake-provider.js';
import { securityApp } from '../helpers/security-app.js';
import { Users } from '../helpers/users.js';
import { ALL_RULES_OFF } from '../helpers/limit-rules.js';

function app(): { fake: FakeProvider; send: (phone: string, i: number) => Promise<number> } {
  const fake = new FakeProvider();
  const users = new Users();
  const strategy = new DingOtpStrategy(
    { provider: fake, limits: { ...ALL_RULES_OFF, sendsPerNumberBlock: { points: 1, durationSeconds: 3600, digits: 3 } } },
    async (phone: string) => users.findOrCreate(phone),
  );
  const target = securityApp({ strategy, users, trustProxy: true });
  // A fresh session and address each time: only the block rule is on.
  const send = async (phone: string, i: number): Promise<number> =>
    (await request(target).post('/api/send').set('X-Forwarded-For', `198.51.100.${i + 1}`).send({ phoneNumber: phone })).status;
  return { fake, send };
}

describe('attack2: number blocks in variable-length plans', () => {
  // A German premium-rate number (+49 900 1234560, national 10 digits, typed PREMIUM_RATE) and the
  // same number with extension digits dialled through: 11, 12, 13 national digits, each accepted by
  // phone.ts, none typed by the max metadata, each in a block of its own.
  it.fails('a premium-rate range with extension digits stays one block (+49 900)', async () => {
    const { fake, send } = app();
    const spread = ['+499001234560', '+4990012345601', '+49900123456012', '+499001234560123'];
    const statuses: number[] = [];
    for (const [i, phone] of spread.entries()) statuses.push(await send(phone, i));
    // 429 (same block) or 400 (refused as invalid) are both safe; 200 is a fresh block and an SMS.
    expect(statuses[0]).toBe(200);
    for (const status of statuses.slice(1)) expect(status).not.toBe(200);
    expect(fake.calls('send')).toBe(1);
  });

  // A German mobile (+49 151 2345 6000, 11 national digits, typed MOBILE) and longer numbers that
  // start with it: 12 and 13 national digits (15 in all), and a 16-digit one E.164 does not allow.
  it.fails('a mobile range with extension digits stays one block (+49 151), and 16 digits are no E.164 number', async () => {
    const { fake, send } = app();
    const spread = ['+4915123456000', '+49151234560001', '+491512345600012', '+4915123456000123'];
    const statuses: number[] = [];
    for (const [i, phone] of spread.entries()) statuses.push(await send(phone, i));
    // 429 (same block) or 400 (refused as invalid) are both safe; 200 is a fresh block and an SMS.
    expect(statuses[0]).toBe(200);
    for (const status of statuses.slice(1)) expect(status).not.toBe(200);
    expect(fake.calls('send')).toBe(1);
  });

  // Non-geographic calling codes (+882, +883: international networks, a favourite of premium-rate
  // fraud) are not in getCountries(), so blockLength() finds no calling code and never folds:
  // +883 120 numbers are valid at 11 to 15 digits, each length a fresh set of blocks. A holder
  // of +883 120 1234 5 who has extension digits routed gets 1 + 10 + 100 + ... blocks.
  it.fails('a +883 range with extension digits stays one block', async () => {
    const { fake, send } = app();
    const spread = ['+88312012345', '+883120123450', '+8831201234500', '+88312012345000', '+883120123450000'];
    const statuses: number[] = [];
    for (const [i, phone] of spread.entries()) statuses.push(await send(phone, i));
    expect(statuses[0]).toBe(200);
    for (const status of statuses.slice(1)) expect(status).not.toBe(200);
    expect(fake.calls('send')).toBe(1);
  });
});
