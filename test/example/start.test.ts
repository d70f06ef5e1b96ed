// `npm start` as a user meets it: the start script with no credentials runs the sandbox
// in-process, says so, prints the URL, serves the pages, prints each code, and stops cleanly.
// Plus the settings it reads from the environment.
import { afterAll, describe, expect, it } from 'vitest';
import { createApp } from '../../example/app.js';
import { ConfigError, readConfig } from '../../example/config.js';
import { chooseApi } from '../../example/provider.js';
import { cookiesFrom, csrfFrom } from '../helpers/example-app.js';
import { startScript, type StartScript } from '../helpers/start-script.js';

describe('start script (npm start)', () => {
  let script: StartScript | undefined;

  afterAll(() => script?.kill());

  it('starts in sandbox mode on Prelude V2, serves the login, prints the code, and stops on SIGTERM', async () => {
    script = startScript();
    const { waitFor } = script;

    const [, port] = await waitFor(/Open http:\/\/localhost:(\d+)/);
    const output = script.output;
    // No credentials and no EXAMPLE_PROVIDER: the sandbox over Prelude Verify V2.
    expect(output()).toContain('SANDBOX MODE, Prelude Verify V2 endpoints');
    expect(output()).toContain('EXAMPLE_PROVIDER=ding runs this sandbox over V1');
    expect(output()).toContain('Second-factor demo');
    const base = `http://127.0.0.1:${port}`;

    const login = await fetch(`${base}/login`);
    expect(login.status).toBe(200);
    const cookie = cookiesFrom(login);
    const sent = await fetch(`${base}/login/phone`, {
      method: 'POST',
      redirect: 'manual',
      headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ _csrf: csrfFrom(await login.text()), phoneNumber: '+12015550777' }).toString(),
    });
    expect(sent.status).toBe(303);
    // A page view stored no session; the send did, and only then is there a session cookie.
    expect(cookie).not.toContain('pd.sid=');
    expect(sent.headers.getSetCookie().some((c) => c.startsWith('pd.sid='))).toBe(true);
    await waitFor(/\[sandbox\] code \d{6} for \+1•••••0777/);
    // The log lines around it hold neither the number nor the code.
    const code = /\[sandbox\] code (\d{6})/.exec(output())?.[1] ?? '';
    const logLines = output().split('\n').filter((line) => / (info|warn|error) /.test(line));
    expect(logLines.length).toBeGreaterThan(0);
    for (const line of logLines) {
      expect(line).not.toContain('2015550777');
      expect(line).not.toContain(code);
    }

    expect(await script.stop()).toBe(0);
    // tsx compiles the app on the fly: a few seconds, more on a busy CI machine.
  }, 45_000);

  it('runs the sandbox over Ding V1 with EXAMPLE_PROVIDER=ding, and says so', async () => {
    script = startScript({ EXAMPLE_PROVIDER: 'ding' });
    await script.waitFor(/Open http:\/\/localhost:(\d+)/);
    expect(script.output()).toContain('SANDBOX MODE, Ding V1 endpoints');
    expect(script.output()).toContain('Without EXAMPLE_PROVIDER=ding this sandbox speaks Prelude V2');
    expect(await script.stop()).toBe(0);
  }, 45_000);
});

describe('which API the example speaks (chooseApi)', () => {
  const sandbox = { apiKey: 'sk', customerUuid: '00000000-0000-4000-8000-000000000000', url: 'http://127.0.0.1:1/v1', preludeUrl: 'http://127.0.0.1:1' };

  it('with no credentials: the sandbox on its Prelude V2 endpoints, or V1 with EXAMPLE_PROVIDER=ding', () => {
    expect(chooseApi(readConfig({}), sandbox)).toEqual({
      name: 'Prelude Verify V2',
      credentials: { provider: 'prelude', apiKey: 'sk', baseUrl: sandbox.preludeUrl },
    });
    expect(chooseApi(readConfig({ EXAMPLE_PROVIDER: 'ding' }), sandbox)).toEqual({
      name: 'Ding V1',
      credentials: { apiKey: 'sk', customerUuid: sandbox.customerUuid, baseUrl: sandbox.url },
    });
  });

  it('PRELUDE_API_KEY selects the real V2 API; DING_API_KEY + DING_CUSTOMER_UUID the real V1 API', () => {
    expect(chooseApi(readConfig({ PRELUDE_API_KEY: 'pk' }))).toEqual({
      name: 'Prelude Verify V2',
      credentials: { provider: 'prelude', apiKey: 'pk', baseUrl: undefined },
    });
    expect(chooseApi(readConfig({ DING_API_KEY: 'k', DING_CUSTOMER_UUID: 'u' }))).toEqual({
      name: 'Ding V1',
      credentials: { apiKey: 'k', customerUuid: 'u', baseUrl: undefined },
    });
    expect(() => chooseApi(readConfig({}))).toThrow(/no credentials/);
  });
});

describe('configuration', () => {
  it('reads the environment, with sandbox mode when no credentials are set', () => {
    const empty = readConfig({});
    expect(empty).toMatchObject({ provider: 'prelude', ding: undefined, prelude: undefined, port: 3000, host: '127.0.0.1', redisUrl: undefined, secureCookies: undefined });
    const live = readConfig({
      DING_API_KEY: 'k', DING_CUSTOMER_UUID: 'u', PORT: '8080', COOKIE_SECURE: 'false', TRUST_PROXY: '1',
      DEFAULT_COUNTRY: 'fr', DEMO_PHONE: '+33612345678', DEMO_PASSWORD: 'pw',
    });
    expect(live).toMatchObject({
      ding: { apiKey: 'k', customerUuid: 'u', baseUrl: undefined }, port: 8080, secureCookies: false, trustProxy: 1,
      defaultCountry: 'FR', demoUser: { username: 'demo', password: 'pw', phone: '+33612345678' },
    });
    expect(readConfig({ TRUST_PROXY: 'loopback' }).trustProxy).toBe('loopback');
  });

  it('switches to Prelude V2 on PRELUDE_API_KEY, and runs the sandbox over V2 with EXAMPLE_PROVIDER=prelude', () => {
    expect(readConfig({ PRELUDE_API_KEY: 'pk' })).toMatchObject({ provider: 'prelude', prelude: { apiKey: 'pk', baseUrl: undefined }, ding: undefined });
    expect(readConfig({ PRELUDE_API_KEY: 'pk', PRELUDE_BASE_URL: 'https://eu.example.test', EXAMPLE_PROVIDER: 'Prelude' }).prelude)
      .toEqual({ apiKey: 'pk', baseUrl: 'https://eu.example.test' });
    expect(readConfig({ EXAMPLE_PROVIDER: 'prelude' })).toMatchObject({ provider: 'prelude', prelude: undefined, ding: undefined });
    expect(readConfig({ EXAMPLE_PROVIDER: 'ding' })).toMatchObject({ provider: 'ding', prelude: undefined, ding: undefined });
    expect(readConfig({ DING_API_KEY: 'k', DING_CUSTOMER_UUID: 'u' }).provider).toBe('ding');
    expect(readConfig({ DING_API_KEY: 'k', DING_CUSTOMER_UUID: 'u', EXAMPLE_PROVIDER: 'ding' }).provider).toBe('ding');
    // The demo user needs both settings with either real API.
    expect(() => readConfig({ PRELUDE_API_KEY: 'pk', DEMO_PHONE: '+33612345678' })).toThrow(/DEMO_PHONE and DEMO_PASSWORD/);
  });

  it('refuses a provider that does not match the credentials, or both APIs at once', () => {
    expect(() => readConfig({ EXAMPLE_PROVIDER: 'twilio' })).toThrow(/EXAMPLE_PROVIDER must be ding or prelude/);
    expect(() => readConfig({ PRELUDE_API_KEY: 'pk', DING_API_KEY: 'k', DING_CUSTOMER_UUID: 'u' })).toThrow(/not both/);
    expect(() => readConfig({ PRELUDE_API_KEY: 'pk', EXAMPLE_PROVIDER: 'ding' })).toThrow(ConfigError);
    expect(() => readConfig({ DING_API_KEY: 'k', DING_CUSTOMER_UUID: 'u', EXAMPLE_PROVIDER: 'prelude' })).toThrow(/PRELUDE_API_KEY/);
  });

  it('refuses half-set credentials and bad values with a plain message', () => {
    expect(() => readConfig({ DING_API_KEY: 'k' })).toThrow(ConfigError);
    expect(() => readConfig({ DING_CUSTOMER_UUID: 'u' })).toThrow(/both DING_API_KEY and DING_CUSTOMER_UUID/);
    expect(() => readConfig({ PORT: 'http' })).toThrow(/PORT/);
    expect(() => readConfig({ COOKIE_SECURE: 'maybe' })).toThrow(/COOKIE_SECURE/);
    expect(() => readConfig({ DEFAULT_COUNTRY: 'XX' })).toThrow(/DEFAULT_COUNTRY/);
  });

  it('needs a session secret outside sandbox mode', async () => {
    await expect(createApp({ ding: { apiKey: 'k', customerUuid: '00000000-0000-4000-8000-000000000000' } })).rejects.toThrow(/sessionSecret/);
    await expect(createApp({ ding: { provider: 'prelude', apiKey: 'pk' } })).rejects.toThrow(/sessionSecret/);
  });
});
