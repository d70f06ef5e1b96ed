// A limit's refusal as an action result: `rate_limited` (or `retry_too_soon` for the resend
// cooldown) with retryAfter for the client, and the rule's name beside it for events, never in
// the info the client gets.
import { describe, expect, it } from 'vitest';
import { limitRefused } from '../../lib/actions/context.js';
import type { ActionContext } from '../../lib/actions/context.js';
import { LIMIT_NAMES } from '../../lib/limits/index.js';

const ctx = { settings: { messages: {} } } as unknown as ActionContext;

describe('limit refusals', () => {
  it.each(LIMIT_NAMES)('%s: rate_limited with retryAfter; the rule rides beside the outcome', (rule) => {
    const result = limitRefused(ctx, { ok: false, retryAfter: 42, rule });
    expect(result).toEqual({ type: 'fail', rule, outcome: { status: 429, info: { code: 'rate_limited', message: 'Too many requests. Try again later.', retryAfter: 42 } } });
  });

  it('resendCooldown: retry_too_soon', () => {
    const result = limitRefused(ctx, { ok: false, retryAfter: 7, rule: 'resendCooldown' });
    expect(result).toMatchObject({ type: 'fail', rule: 'resendCooldown', outcome: { status: 429, info: { code: 'retry_too_soon', retryAfter: 7 } } });
  });
});
