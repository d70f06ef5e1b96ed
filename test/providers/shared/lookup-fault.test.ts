// A lookup's path holds the full phone number (`GET /v2/lookup/+1415...`, `/lookup/%2B1415...`):
// whatever goes wrong with it, the error an app logs names the operation, never the path. Each
// fault mode of the HTTP layer, for both providers, over real loopback HTTP.
import { afterEach, describe, expect, it } from 'vitest';
import { DingProvider, PreludeProvider, type OtpProvider } from 'passport-ding';
import { everythingIn, failure } from '../../helpers/errors.js';
import { startUpstream, type Answer, type Upstream } from '../../helpers/upstream.js';

const PHONE = '+14155552671';
const CUSTOMER = '00000000-0000-4000-8000-000000000000';

const upstreams: Upstream[] = [];
const providers: OtpProvider[] = [];
afterEach(async () => {
  await Promise.all(providers.splice(0).map((p) => p.close()));
  await Promise.all(upstreams.splice(0).map((u) => u.close()));
});

const FAULTS: Array<[string, Answer]> = [
  ['a 500', { status: 500, body: {} }],
  ['a 503 with a retry hint', { status: 503, body: {}, headers: { 'retry-after': '3' } }],
  ['a 404 without an error body', { status: 404, headers: { 'content-type': 'text/plain' } }],
  ['a 302 redirect', { status: 302, headers: { location: 'https://elsewhere.example/' } }],
  ['a reply that is not JSON', { status: 200, headers: { 'content-type': 'text/html' } }],
  ['a reply off the contract', { status: 200, body: { line_type: 'pigeon' } }],
  ['a dropped connection', { drop: true }],
  ['a refused key', { status: 401, body: {} }],
];

describe.each([
  ['prelude', (url: string) => new PreludeProvider({ apiKey: 'k', baseUrl: url, timeoutMs: 300, circuitBreaker: false })],
  ['ding', (url: string) => new DingProvider({ apiKey: 'k', customerUuid: CUSTOMER, baseUrl: `${url}/v1`, timeoutMs: 300, circuitBreaker: false })],
])('%s lookup', (_name, make) => {
  it.each(FAULTS)('%s: the error leaves the phone number out', async (_what, answer) => {
    const u = await startUpstream(answer);
    upstreams.push(u);
    const p = make(u.url);
    providers.push(p);
    const err = await failure(p.lookup!(PHONE));
    // The request did carry the number in its path: the test would prove nothing otherwise.
    expect(decodeURIComponent(u.seen[0]?.url ?? '')).toContain(PHONE);
    if (!('status' in answer && answer.status === 401)) expect(err.message).toMatch(/lookup/);
    const all = everythingIn(err);
    expect(all).not.toContain(PHONE.slice(1));
    expect(all).not.toContain('4155552671');
    expect(all).not.toMatch(/lookup\//);
  });

  it('a deadline: the timeout error leaves the phone number out', async () => {
    const u = await startUpstream({ hang: true });
    upstreams.push(u);
    const p = make(u.url);
    providers.push(p);
    const err = await failure(p.lookup!(PHONE));
    expect(err).toMatchObject({ reason: 'timeout' });
    expect(everythingIn(err)).not.toContain('4155552671');
  });
});
