// The examples fall back to the in-process sandbox when no API credentials are set. Sandbox mode
// prints every code it "sends" to the log (the example app also opens the demo user with the
// password the README publishes, with a random session secret and plain-HTTP cookies): fine on a
// laptop, an open door on a server, where whoever reads the log can sign in as any number. A
// production deployment that lost its PRELUDE_API_KEY (a typo, a missing secret) must not come up
// that way: with NODE_ENV=production the examples refuse to start without credentials, and say
// which to set. examples/minimal/server.mjs is the README's quick start.
import { afterEach, describe, expect, it } from 'vitest';
import { ConfigError, readConfig } from '../../example/config.js';

describe('the example without API credentials', () => {
  it('refuses sandbox mode with NODE_ENV=production, naming the credentials to set', () => {
    for (const env of [{ NODE_ENV: 'production' }, { NODE_ENV: 'production', EXAMPLE_PROVIDER: 'ding' }, { NODE_ENV: 'production', HOST: '0.0.0.0', SESSION_SECRET: 's'.repeat(32) }]) {
      expect(() => readConfig(env)).toThrow(ConfigError);
      expect(() => readConfig(env)).toThrow(/NODE_ENV=production.*PRELUDE_API_KEY.*DING_API_KEY and DING_CUSTOMER_UUID/);
    }
  });

  it('still runs the sandbox in development and tests, and the real APIs in production', () => {
    expect(readConfig({})).toMatchObject({ prelude: undefined, ding: undefined });
    expect(readConfig({ NODE_ENV: 'development' })).toMatchObject({ prelude: undefined, ding: undefined });
    expect(readConfig({ NODE_ENV: 'test' })).toMatchObject({ prelude: undefined, ding: undefined });
    expect(readConfig({ NODE_ENV: 'production', PRELUDE_API_KEY: 'pk' }).prelude).toEqual({ apiKey: 'pk', baseUrl: undefined });
    expect(readConfig({ NODE_ENV: 'production', DING_API_KEY: 'k', DING_CUSTOMER_UUID: 'u' }).ding).toMatchObject({ apiKey: 'k', customerUuid: 'u' });
  });
});

describe('examples/minimal/server.mjs (the README quick start) without PRELUDE_API_KEY', () => {
  const saved = { NODE_ENV: process.env.NODE_ENV, PRELUDE_API_KEY: process.env.PRELUDE_API_KEY, PORT: process.env.PORT };
  afterEach(() => {
    for (const [name, value] of Object.entries(saved)) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  });

  it('refuses to start with NODE_ENV=production, before any sandbox or server', async () => {
    process.env.NODE_ENV = 'production';
    delete process.env.PRELUDE_API_KEY;
    process.env.PORT = '0';
    // A path in a variable: the file is plain JavaScript with no types to check here.
    const minimal = '../../examples/minimal/server.mjs';
    await expect(import(minimal)).rejects.toThrow(/PRELUDE_API_KEY.*production/);
  });
});
