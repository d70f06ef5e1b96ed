// `npm start` in sandbox mode wires the sandbox's delivery webhooks to the example itself (the
// callback_url is the server's own address, the key the sandbox's), logs every event as a JSON
// line on stdout, and takes an app-review test number from the environment.
import { afterEach, describe, expect, it } from 'vitest';
import { cookiesFrom, csrfFrom } from '../helpers/example-app.js';
import { startScript, type StartScript } from '../helpers/start-script.js';
import { until } from '../helpers/wait.js';

async function sendCode(base: string, phone: string): Promise<string> {
  const login = await fetch(`${base}/login`);
  const cookie = cookiesFrom(login);
  const sent = await fetch(`${base}/login/phone`, {
    method: 'POST',
    redirect: 'manual',
    headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ _csrf: csrfFrom(await login.text()), phoneNumber: phone }).toString(),
  });
  expect(sent.status).toBe(303);
  return cookiesFrom(sent, cookie);
}

describe.each(['prelude', 'ding'])('start script in sandbox mode over %s', (provider) => {
  let script: StartScript | undefined;

  afterEach(() => script?.kill());

  it('reports deliveries on the code page and logs events as JSON lines without the number or the code', async () => {
    script = startScript({ EXAMPLE_PROVIDER: provider });
    const [, port] = await script.waitFor(/Open http:\/\/localhost:(\d+)/);
    expect(script.output()).toMatch(new RegExp(`Delivery reports: http://127\\.0\\.0\\.1:${port}/webhooks/${provider}`));
    const base = `http://127.0.0.1:${port}`;
    const cookie = await sendCode(base, '+12015550778');
    // The sandbox's delivery report reaches the example's webhook on its own time.
    let status: unknown = null;
    await until(
      async () => {
        status = ((await (await fetch(`${base}/login/code/delivery`, { headers: { cookie } })).json()) as { status: unknown }).status;
        return status === 'delivered';
      },
      { withinMs: 10_000, everyMs: 100 },
    );
    expect(status).toBe('delivered');
    const page = await (await fetch(`${base}/login/code`, { headers: { cookie } })).text();
    expect(page).toMatch(/id="delivery-status">delivered</);

    const code = /\[sandbox\] code (\d{6})/.exec(script.output())?.[1] ?? '';
    const json = script.output().split('\n').filter((line) => line.startsWith('{'));
    const events = json.map((line) => JSON.parse(line) as { msg: string; otp: { type: string; phone?: string } });
    expect(events.map((e) => e.msg)).toEqual(expect.arrayContaining(['otp.send', 'otp.delivery']));
    expect(events.find((e) => e.msg === 'otp.send')?.otp.phone).toBe('+1•••••0778');
    for (const line of json) {
      expect(line).not.toContain('2015550778');
      expect(line).not.toContain(code);
    }
    // A clean exit on SIGTERM is test/example-start.test.ts's to check: tsx gives the child 30 ms
    // to acknowledge a relayed signal, which a loaded machine can miss (exit 143).
    await script.stop();
  }, 45_000);
});

describe('start script with an app-review test number', () => {
  let script: StartScript | undefined;

  afterEach(() => script?.kill());

  it('says so at start (masked, with the expiry), sends no SMS to it, and the fixed code signs in', async () => {
    const expires = new Date(Date.now() + 86_400_000).toISOString();
    script = startScript({ EXAMPLE_TEST_NUMBER: '+12015550100', EXAMPLE_TEST_CODE: '424242', EXAMPLE_TEST_EXPIRES: expires });
    const [, port] = await script.waitFor(/Open http:\/\/localhost:(\d+)/);
    expect(script.output()).toContain(`App-review test number +1•••••0100 (fixed code, no SMS) until ${expires}`);
    expect(script.output()).not.toContain('424242');
    const base = `http://127.0.0.1:${port}`;
    const cookie = await sendCode(base, '+12015550100');
    const codePage = await (await fetch(`${base}/login/code`, { headers: { cookie } })).text();
    const verified = await fetch(`${base}/login/code`, {
      method: 'POST',
      redirect: 'manual',
      headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ _csrf: csrfFrom(codePage), code: '424242' }).toString(),
    });
    expect(verified.status).toBe(303);
    expect(verified.headers.get('location')).toBe('/account');
    expect(script.output()).not.toMatch(/\[sandbox\] code/);
    // A clean exit on SIGTERM is test/example-start.test.ts's to check: tsx gives the child 30 ms
    // to acknowledge a relayed signal, which a loaded machine can miss (exit 143).
    await script.stop();
  }, 45_000);
});
