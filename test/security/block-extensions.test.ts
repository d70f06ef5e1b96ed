// The number-block budget against a held range dialled with extension digits, end to end: the
// keys are lib/limits/block-length.ts's (unit cases in test/limits/block-keys.test.ts). A number
// the default metadata accepts but the max metadata gives no type counts as its longest typed
// prefix; an international network's numbers (+883) are cut to the code's shortest length; past
// E.164's 15 digits a number is refused before any budget. With a block budget of 1, each spread
// below gets one send per block, however many digits are dialled.
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

describe('number blocks: a held range with extension digits', () => {
  async function spread(phones: string[]): Promise<{ statuses: number[]; sends: number }> {
    const { fake, send } = app();
    const statuses: number[] = [];
    for (const [i, phone] of phones.entries()) statuses.push(await send(phone, i));
    return { statuses, sends: fake.calls('send') };
  }

  it('a German mobile and longer numbers starting with it: one block; 16 digits refused', async () => {
    const { statuses, sends } = await spread(['+4915123456000', '+49151234560001', '+491512345600012', '+4915123456000123']);
    expect(statuses).toEqual([200, 429, 429, 400]);
    expect(sends).toBe(1);
  });

  it('a German premium-rate number and its extensions: two blocks however many digits (was one more per digit and number)', async () => {
    const { statuses, sends } = await spread(['+499001234560', '+4990012345601', '+49900123456012', '+499001234560123', '+49900123456019', '+499001234560999']);
    expect(statuses).toEqual([200, 200, 429, 429, 429, 429]);
    expect(sends).toBe(2);
  });

  it('a +883 range at every length from 8 to 12 digits: one block', async () => {
    const { statuses, sends } = await spread(['+88312012345', '+883120123450', '+8831201234500', '+88312012345000', '+883120123450000']);
    expect(statuses).toEqual([200, 429, 429, 429, 429]);
    expect(sends).toBe(1);
  });
});
