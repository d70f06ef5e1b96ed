// Issue 18, item 5: the example logs every passport-ding event as one JSON line with no PII,
// mounts the provider's delivery webhook (before any body parser), sends callback_url with every
// create, and shows the delivery report of the session's own verification on the code page.
// Also the app-review test number (testNumbers) from the example's options.
import request from 'supertest';
import { createPublicKey, generateKeyPairSync, sign, constants } from 'node:crypto';
import type { DingSandbox } from 'passport-ding/sandbox';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_DEMO_USER } from '../../example/app.js';
import { readConfig, ConfigError } from '../../example/config.js';
import { redisGate } from '../helpers/env.js';
import { csrfFrom, startSandbox, TestClock, type ApiName, twoInstancesOnRedis, type RunningExample } from '../helpers/example-app.js';
import { waitFor, type Patience } from '../helpers/wait.js';
import { eventLines, startWebhookExample } from './webhook-example.js';

type Agent = ReturnType<typeof request.agent>;

const UNDELIVERABLE = '+12015550666';
const TEST_NUMBER = '+12015550100';
const TEST_CODE = '424242';
// The sandbox delivers its webhooks on its own time; each probe is an HTTP request to the example.
const DELIVERY: Patience = { withinMs: 5000, everyMs: 25 };

describe.each<ApiName>(['prelude', 'ding'])('on %s', (api) => {
  const clock = new TestClock();
  let sandbox: DingSandbox;
  let example: RunningExample;

  beforeAll(async () => {
    sandbox = await startSandbox(clock, { numbers: { [UNDELIVERABLE]: 'undeliverable' } });
    example = await startWebhookExample(sandbox, clock, api, {
      limits: { sendsPerIp: { points: 1000, durationSeconds: 3600 } },
      testNumbers: { numbers: { [TEST_NUMBER]: TEST_CODE }, expiresAt: new Date(Date.now() + 24 * 3600 * 1000) },
    });
  });

  afterAll(async () => {
    await example?.stop();
    await sandbox?.close();
  });

  async function sendTo(agent: Agent, phone: string): Promise<string> {
    const login = await agent.get('/login').expect(200);
    await agent.post('/login/phone').type('form').send({ _csrf: csrfFrom(login.text), phoneNumber: phone }).expect(303).expect('location', '/login/code');
    return (await agent.get('/login/code').expect(200)).text;
  }

  /** A new password user with `phone`, signed in with the password and the SMS second factor. */
  async function signedIn(user: { id: string; username: string; password: string; phone: string }): Promise<Agent> {
    await example.users.addPasswordUser(user);
    const agent = request.agent(example.url);
    const form = await agent.get('/login/password').expect(200);
    await agent.post('/login/password').type('form')
      .send({ _csrf: csrfFrom(form.text), username: user.username, password: user.password })
      .expect(303).expect('location', '/2fa/code');
    const twoFactor = await agent.get('/2fa/code').expect(200);
    await agent.post('/2fa/code').type('form').send({ _csrf: csrfFrom(twoFactor.text), code: sandbox.latestCode(user.phone) })
      .expect(303).expect('location', '/account');
    return agent;
  }

  /** Codes the sandbox has sent, on either API. */
  const sends = (): number => (sandbox.stats().byOperation.createVerification ?? 0) + (sandbox.stats().byOperation.createAuthentication ?? 0);

  async function deliveryOf(agent: Agent): Promise<string | null> {
    return ((await agent.get('/login/code/delivery').expect(200)).body as { status: string | null }).status;
  }

  it('logs every event as one JSON line: masked phone, no full number, no code', async () => {
    const phone = '+12015550411';
    const agent = request.agent(example.url);
    const before = example.logs.length;
    const page = await sendTo(agent, phone);
    const code = sandbox.latestCode(phone);
    if (!code) throw new Error('no code');
    await agent.post('/login/code').type('form').send({ _csrf: csrfFrom(page), code: code === '000000' ? '111111' : '000000' }).expect(401);
    await agent.post('/login/code').type('form').send({ _csrf: csrfFrom(page), code }).expect(303).expect('location', '/account');
    await sandbox.webhooks.settled();
    await waitFor('the delivery event line', () => eventLines(example.logs.slice(before)).find((e) => e.otp.status === 'delivered'), DELIVERY);

    const lines = example.logs.slice(before);
    const events = eventLines(lines);
    expect(events.map((e) => `${e.otp.type}:${String(e.otp.type === 'delivery' ? e.otp.status : e.otp.outcome)}`)).toEqual(expect.arrayContaining([
      'send:sent', 'verify:invalid_code', 'verify:verified', 'delivery:delivered',
    ]));
    const send = events.find((e) => e.otp.type === 'send');
    expect(send).toMatchObject({ level: 'info', msg: 'otp.send', otp: { provider: api, phone: '+1•••••0411', country: 'US' } });
    expect(typeof send?.otp.verificationId).toBe('string');
    expect(events.find((e) => e.otp.type === 'delivery')?.otp).toMatchObject({ provider: api, verificationId: send?.otp.verificationId, country: 'US' });
    for (const line of lines) {
      expect(line).not.toContain('2015550411');
      expect(line).not.toContain(code);
      expect(line).not.toContain(sandbox.apiKey);
      // Ding V1's webhook secret rides in the callback URL's query: the request log keeps the path only.
      expect(line).not.toContain('token=');
    }
    // One event per line, each a whole JSON object.
    for (const line of lines.filter((l) => l.startsWith('{'))) expect(line.split('\n')).toHaveLength(1);
  });

  it('a sandbox delivery reaches the webhook route and the code page shows "delivered"', async () => {
    const agent = request.agent(example.url);
    const page = await sendTo(agent, '+12015550412');
    expect(page).toContain('SMS delivery:');
    await sandbox.webhooks.settled();
    expect(await waitFor('delivered', async () => ((await deliveryOf(agent)) === 'delivered' ? 'delivered' : undefined), DELIVERY)).toBe('delivered');
    const again = await agent.get('/login/code').expect(200);
    expect(again.text).toMatch(/id="delivery-status">delivered</);
    expect(sandbox.webhooks.stats()).toMatchObject({ delivered: expect.any(Number) as number });
  });

  it('the second factor\'s code page shows the report of its own SMS', async () => {
    const agent = request.agent(example.url);
    const form = await agent.get('/login/password').expect(200);
    await agent.post('/login/password').type('form')
      .send({ _csrf: csrfFrom(form.text), username: DEFAULT_DEMO_USER.username, password: DEFAULT_DEMO_USER.password })
      .expect(303).expect('location', '/2fa/code');
    await sandbox.webhooks.settled();
    await waitFor('delivered', async () => ((await agent.get('/2fa/code/delivery').expect(200)).body.status === 'delivered' ? true : undefined), DELIVERY);
    expect((await agent.get('/2fa/code').expect(200)).text).toMatch(/id="delivery-status">delivered</);
    // The phone login's slot of this session is empty: nothing pending there.
    await agent.get('/login/code/delivery').expect(404);
  });

  it("the phone change's code page shows the report of its own SMS, behind the change's guards", async () => {
    // A password user of its own: the demo user's number is in the resend wait of the test above.
    const user = { id: 'changer', username: 'changer', password: 'changer has a password too', phone: '+12015550418' };
    const agent = await signedIn(user);
    // No change pending yet: nothing to report.
    await agent.get('/account/phone/code/delivery').expect(404);
    const change = await agent.get('/account/phone').expect(200);
    await agent.post('/account/phone').type('form').send({ _csrf: csrfFrom(change.text), phoneNumber: '+12015550419' })
      .expect(303).expect('location', '/account/phone/code');
    await sandbox.webhooks.settled();
    await waitFor('delivered', async () => ((await agent.get('/account/phone/code/delivery').expect(200)).body.status === 'delivered' ? true : undefined), DELIVERY);
    expect((await agent.get('/account/phone/code').expect(200)).text).toMatch(/id="delivery-status">delivered</);
    // The other code pages' slots of this session hold nothing pending.
    await agent.get('/login/code/delivery').expect(404);
    await agent.get('/2fa/code/delivery').expect(404);
    // Behind the change's sign-in check, like its code page: a stranger is sent to the login.
    await request(example.url).get('/account/phone/code/delivery').expect(303).expect('location', /^\/login\b/);
  });

  it('an undeliverable number shows "undeliverable"', async () => {
    const agent = request.agent(example.url);
    await sendTo(agent, UNDELIVERABLE);
    await sandbox.webhooks.settled();
    await waitFor('undeliverable', async () => ((await deliveryOf(agent)) === 'undeliverable' ? true : undefined), DELIVERY);
    expect((await agent.get('/login/code').expect(200)).text).toMatch(/id="delivery-status">undeliverable</);
  });

  it("never shows another session's status", async () => {
    const alice = request.agent(example.url);
    const bob = request.agent(example.url);
    clock.advance(31_000); // the test before sent to the same number: past its resend cooldown
    await sendTo(alice, UNDELIVERABLE);
    await sandbox.webhooks.settled();
    await waitFor('undeliverable', async () => ((await deliveryOf(alice)) === 'undeliverable' ? true : undefined), DELIVERY);
    // Bob sends to another number with the same mask ending: his page knows only his own verification.
    await sendTo(bob, '+12015551666');
    await sandbox.webhooks.settled();
    await waitFor('delivered', async () => ((await deliveryOf(bob)) === 'delivered' ? true : undefined), DELIVERY);
    expect(await deliveryOf(alice)).toBe('undeliverable');
    // A session with nothing pending gets nothing, not the latest status of anyone.
    const carol = request.agent(example.url);
    await carol.get('/login').expect(200);
    const none = await carol.get('/login/code/delivery').expect(404);
    expect(none.body).toEqual({ status: null });
  });

  it('refuses a forged webhook (401), with no event and no status change', async () => {
    const agent = request.agent(example.url);
    await sendTo(agent, '+12015550413');
    await sandbox.webhooks.settled();
    await waitFor('delivered', async () => ((await deliveryOf(agent)) === 'delivered' ? true : undefined), DELIVERY);
    const id = eventLines(example.logs).filter((e) => e.otp.type === 'send').at(-1)?.otp.verificationId as string;
    const before = example.logs.length;
    const body = JSON.stringify(api === 'prelude'
      ? { id: 'evt_forged_1', type: 'verify.delivery_status', created_at: new Date().toISOString(), payload: { verification_id: id, status: 'undeliverable' } }
      : { id: 'evt_forged_1', type: 'attempt', authentication_uuid: id, status: 'undeliverable' });
    if (api === 'prelude') {
      // Signed, but with a key that is not the sandbox's.
      const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
      const signature = sign('sha256', Buffer.from(body), { key: privateKey, padding: constants.RSA_PKCS1_PSS_PADDING }).toString('base64url');
      expect(createPublicKey(privateKey).export({ type: 'spki', format: 'pem' })).not.toBe(sandbox.webhookPublicKey);
      await request(example.url).post('/webhooks/prelude').set('content-type', 'application/json')
        .set('x-webhook-signature', `rsassa-pss-sha256=${signature}`).send(body).expect(401);
    } else {
      await request(example.url).post('/webhooks/ding?token=not-the-secret-at-all').set('content-type', 'application/json').send(body).expect(401);
      await request(example.url).post('/webhooks/ding').set('content-type', 'application/json').send(body).expect(401);
    }
    expect(eventLines(example.logs.slice(before))).toEqual([]);
    expect(await deliveryOf(agent)).toBe('delivered');
  });

  it('the webhook route needs no CSRF token and no session (the provider has neither)', async () => {
    const res = await request(example.url).post(api === 'prelude' ? '/webhooks/prelude' : '/webhooks/ding').set('content-type', 'application/json').send('{}');
    expect(res.status).toBe(401);
    expect(res.headers['set-cookie']).toBeUndefined();
  });

  it('the app-review test number: no SMS, the fixed code signs in, events say test: true', async () => {
    const before = sends();
    const logFrom = example.logs.length;
    const agent = request.agent(example.url);
    const page = await sendTo(agent, TEST_NUMBER);
    await agent.post('/login/code').type('form').send({ _csrf: csrfFrom(page), code: TEST_CODE }).expect(303).expect('location', '/account');
    expect(sends()).toBe(before);
    const events = eventLines(example.logs.slice(logFrom));
    expect(events.filter((e) => e.otp.type !== 'delivery').every((e) => e.otp.test === true)).toBe(true);
    expect(events.map((e) => e.otp.outcome)).toEqual(['sent', 'verified']);
    for (const line of example.logs.slice(logFrom)) expect(line).not.toContain(TEST_CODE);
  });

  // The phone-change strategy shares the login's options, test number included: a signed-in user
  // must not make it their number, whose code is in the review notes.
  it('the phone-change page refuses the app-review test number as a new number, and sends nothing', async () => {
    const user = { id: 'reviewer-number', username: 'reviewer-number', password: 'wants the review number', phone: '+12015550421' };
    const agent = await signedIn(user);
    const before = sends();
    const logFrom = example.logs.length;
    const change = await agent.get('/account/phone').expect(200);
    const refused = await agent.post('/account/phone').type('form').send({ _csrf: csrfFrom(change.text), phoneNumber: TEST_NUMBER }).expect(403);
    expect(refused.text).toContain('Codes cannot be sent to this number.');
    expect(sends()).toBe(before);
    await agent.get('/account/phone/code').expect(303).expect('location', '/account/phone');
    const events = eventLines(example.logs.slice(logFrom)).filter((e) => e.otp.type === 'send');
    expect(events.map((e) => [e.otp.outcome, e.otp.rule, e.otp.test])).toEqual([['blocked', 'testNumbers', undefined]]);
    expect(example.users.findById(user.id)?.phone).toBe(user.phone);
  });
});

describe('configuration', () => {
  it('reads the app-review test number: all three variables, an ISO expiry in the future', () => {
    const expires = new Date(Date.now() + 86_400_000).toISOString();
    expect(readConfig({ EXAMPLE_TEST_NUMBER: TEST_NUMBER, EXAMPLE_TEST_CODE: TEST_CODE, EXAMPLE_TEST_EXPIRES: expires }).testNumbers)
      .toEqual({ numbers: { [TEST_NUMBER]: TEST_CODE }, expiresAt: new Date(expires) });
    expect(readConfig({}).testNumbers).toBeUndefined();
    expect(() => readConfig({ EXAMPLE_TEST_NUMBER: TEST_NUMBER, EXAMPLE_TEST_CODE: TEST_CODE })).toThrow(ConfigError);
    expect(() => readConfig({ EXAMPLE_TEST_NUMBER: TEST_NUMBER, EXAMPLE_TEST_CODE: TEST_CODE, EXAMPLE_TEST_EXPIRES: 'soon' })).toThrow(/ISO date/);
    expect(() => readConfig({ EXAMPLE_TEST_NUMBER: TEST_NUMBER, EXAMPLE_TEST_CODE: TEST_CODE, EXAMPLE_TEST_EXPIRES: '2020-01-01T00:00:00Z' })).toThrow(/in the past/);
  });

  it('reads the webhook settings of the real API: PUBLIC_URL with the key or the secret', () => {
    expect(readConfig({ PRELUDE_API_KEY: 'pk' }).webhooks).toBeUndefined();
    expect(readConfig({ PRELUDE_API_KEY: 'pk', PUBLIC_URL: 'https://app.example.com/x', PRELUDE_WEBHOOK_PUBLIC_KEY: '-----BEGIN PUBLIC KEY-----\\nAAA\\n-----END PUBLIC KEY-----' }).webhooks)
      .toEqual({ publicUrl: 'https://app.example.com', preludePublicKey: '-----BEGIN PUBLIC KEY-----\nAAA\n-----END PUBLIC KEY-----', dingSecret: undefined });
    expect(() => readConfig({ PRELUDE_API_KEY: 'pk', PUBLIC_URL: 'https://app.example.com' })).toThrow(/PRELUDE_WEBHOOK_PUBLIC_KEY/);
    expect(() => readConfig({ DING_API_KEY: 'k', DING_CUSTOMER_UUID: 'u', PUBLIC_URL: 'https://app.example.com', DING_WEBHOOK_SECRET: 'short' })).toThrow(/DING_WEBHOOK_SECRET/);
    expect(() => readConfig({ PRELUDE_API_KEY: 'pk', PUBLIC_URL: 'not a url', PRELUDE_WEBHOOK_PUBLIC_KEY: 'x' })).toThrow(/PUBLIC_URL/);
  });
});

if (redisGate('example delivery reports on Redis (test/example/delivery-webhooks.test.ts)')) {
  describe('two instances sharing Redis', () => {
    // Both send callback_url pointing at A: the report reaches A, the user's next page may be B's.
    const two = twoInstancesOnRedis('delivery', {
      start: (sandbox, clock, shared, a) =>
        startWebhookExample(sandbox, clock, 'prelude', a ? { ...shared, webhooks: { publicUrl: a.url, preludePublicKey: sandbox.webhookPublicKey } } : shared),
    });

    it('a report received by one instance shows on the code page the other serves', async () => {
      const onB = request.agent(two.b.url);
      const login = await onB.get('/login').expect(200);
      await onB.post('/login/phone').type('form').send({ _csrf: csrfFrom(login.text), phoneNumber: '+12015550414' }).expect(303);
      await two.sandbox.webhooks.settled();
      await waitFor('delivered on B', async () => ((await onB.get('/login/code/delivery').expect(200)).body.status === 'delivered' ? true : undefined), DELIVERY);
      expect(eventLines(two.a.logs).some((e) => e.otp.type === 'delivery' && e.otp.status === 'delivered')).toBe(true);
      expect(eventLines(two.b.logs).some((e) => e.otp.type === 'delivery')).toBe(false);
      expect((await onB.get('/login/code').expect(200)).text).toMatch(/id="delivery-status">delivered</);
    });
  });
}
