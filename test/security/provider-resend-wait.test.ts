// A provider's resend wait (Ding V1's `next_retry_at`, in a `sent` or a `too_soon` reply) reaches
// the client as `retryAfter` and the app's Retry-After. A provider's Retry-After header is held to
// MAX_RETRY_AFTER_SECONDS (an hour: "a hint of hours is a broken or hostile upstream, and the app
// passes the figure on to its users"); the same figure in a reply body is held to it too, so an
// upstream answering ten years out cannot tell users to wait ten years, nor lock the session's
// resend for that long. In-process provider, the strategy's clock.
import request from 'supertest';
import { describe, expect, it } from 'vitest';
import { fakeLogin } from '../helpers/fake-provider.js';
import { MAX_RETRY_AFTER_SECONDS } from '../../lib/http.js';

const PHONE = '+14155552671';
const COOLDOWN = 30_000;
const TEN_YEARS = 10 * 365 * 86_400_000;

async function started() {
  const login = fakeLogin();
  const agent = request.agent(login.t.app);
  await agent.post('/login/phone').send({ phoneNumber: PHONE }).expect(200);
  login.clock.advance(COOLDOWN);
  return { ...login, agent };
}

describe("the provider's resend wait is held to an hour", () => {
  it("too_soon ten years out: retry_too_soon with retryAfter of an hour, the session's next resend an hour away", async () => {
    const { agent, fake, clock } = await started();
    fake.next('resend', { status: 'too_soon', nextRetryAt: new Date(clock.now() + TEN_YEARS) });
    const refused = await agent.post('/api/retry').send({}).expect(429);
    expect(refused.body).toMatchObject({ code: 'retry_too_soon', retryAfter: MAX_RETRY_AFTER_SECONDS });
    expect(Date.parse((await agent.get('/me')).body.pending.nextRetryAt as string)).toBe(clock.now() + MAX_RETRY_AFTER_SECONDS * 1000);
  });

  it('sent with the next resend ten years out: the next resend waits an hour at most', async () => {
    const { agent, fake, clock } = await started();
    fake.next('resend', { status: 'sent', nextRetryAt: new Date(clock.now() + TEN_YEARS) });
    const res = await agent.post('/login/resend').send({}).expect(200);
    expect(Date.parse(res.body.pending.nextRetryAt as string)).toBe(clock.now() + MAX_RETRY_AFTER_SECONDS * 1000);
    expect((await agent.post('/api/retry').send({}).expect(429)).body).toMatchObject({ code: 'retry_too_soon', retryAfter: MAX_RETRY_AFTER_SECONDS });
  });

  it('a wait within the hour is kept as the provider said it', async () => {
    const { agent, fake, clock } = await started();
    fake.next('resend', { status: 'too_soon', nextRetryAt: new Date(clock.now() + 45_000) });
    expect((await agent.post('/api/retry').send({}).expect(429)).body).toMatchObject({ code: 'retry_too_soon', retryAfter: 45 });
  });
});
