// What an upstream text may keep on an error (lib/providers/shared/redact.ts): an API's message
// that echoes the API key, a code or a phone number must not carry them into logs. Unit rules
// first, then both providers over real HTTP with a provider that echoes what it was sent.
import { describe, expect, it, afterEach } from 'vitest';
import { DingProvider, OtpApiError, PreludeProvider, type OtpProvider } from 'passport-ding';
import { maskPhoneNumbers, redactUpstreamText } from '../../../lib/providers/shared/redact.js';
import { everythingIn, failure } from '../../helpers/errors.js';
import { startUpstream, type Upstream } from '../../helpers/upstream.js';

const KEY = 'sk_live_Zx81kQ0pL2';
const PHONE = '+14155552671';
const CUSTOMER = '00000000-0000-4000-8000-000000000000';

describe('redactUpstreamText', () => {
  it.each([
    [`bad key ${KEY}`, 'bad key [redacted]'],
    [`Bearer ${KEY} refused for ${KEY}`, 'Bearer [redacted] refused for [redacted]'],
    ['code 123456 is wrong', 'code •••••• is wrong'],
    ['code 4821 is wrong', 'code •••• is wrong'],
    ['custom code 1234567890 refused', 'custom code •••••••••• refused'],
    [`${PHONE} is not valid`, '+•••••••••71 is not valid'],
    ['number (415) 555-2671 refused', 'number (•••) •••-••71 refused'],
    ['code_size must be 4 to 8', 'code_size must be 4 to 8'],
    ['HTTP 429 after 3 tries', 'HTTP 429 after 3 tries'],
  ])('%j -> %j', (text, expected) => {
    expect(redactUpstreamText(text, [KEY])).toBe(expected);
  });

  it('a secret shorter than 4 characters is not blanked (it would blank ordinary words)', () => {
    expect(redactUpstreamText('the key k was refused', ['k'])).toBe('the key k was refused');
  });

  it('maskPhoneNumbers alone still keeps a short code-shaped run (the pending view relies on it)', () => {
    expect(maskPhoneNumbers('got 12345')).toBe('got 12345');
  });
});

const upstreams: Upstream[] = [];
const providers: OtpProvider[] = [];
afterEach(async () => {
  await Promise.all(providers.splice(0).map((p) => p.close()));
  await Promise.all(upstreams.splice(0).map((u) => u.close()));
});

const ECHO = `key ${KEY} cannot send 654321 to ${PHONE}`;

describe.each([
  [
    'prelude',
    (url: string) => new PreludeProvider({ apiKey: KEY, baseUrl: url }),
    { code: 'invalid_template_variables', message: ECHO, param: `options.variables.${KEY}` },
  ],
  [
    'ding',
    (url: string) => new DingProvider({ apiKey: KEY, customerUuid: CUSTOMER, baseUrl: `${url}/v1` }),
    { code: 'account_invalid', message: ECHO, doc_url: `https://docs.ding.live/errors?key=${KEY}` },
  ],
])('%s: an error body that echoes the key, a code and the number', (_name, make, body) => {
  it('keeps none of them on the error', async () => {
    const u = await startUpstream({ status: 400, body });
    upstreams.push(u);
    const p = make(u.url);
    providers.push(p);
    const err = await failure(p.send({ phoneNumber: PHONE }));
    expect(err).toBeInstanceOf(OtpApiError);
    expect((err as OtpApiError).apiMessage).toBe('key [redacted] cannot send •••••• to +•••••••••71');
    const all = everythingIn(err);
    expect(all).not.toContain(KEY);
    expect(all).not.toContain('654321');
    expect(all).not.toContain(PHONE);
    expect(all).not.toContain(PHONE.slice(1));
  });
});
