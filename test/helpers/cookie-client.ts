// A client that keeps its cookies by hand, as a browser would (Max-Age=0 deletes one), so tests can
// read a cookie's attributes, carry one from one app to another, or tamper with it.
import type { Express } from 'express';
import request from 'supertest';
import type { Response } from 'supertest';

export class CookieClient {
  /** name -> value, as the client will send them. */
  readonly cookies = new Map<string, string>();
  /** Every Set-Cookie line received, newest last. */
  readonly setCookies: string[] = [];
  /** The Host header to send (default: supertest's, 127.0.0.1:port). */
  host: string | undefined;
  /** More headers to send with every request (a proxy's X-Forwarded-*, say). */
  readonly headers: Record<string, string> = {};

  constructor(public app: Express) {}

  get(path: string): Promise<Response> {
    return this.#send(request(this.app).get(path));
  }

  post(path: string, body: object = {}): Promise<Response> {
    return this.#send(request(this.app).post(path).send(body));
  }

  /** The latest Set-Cookie line for `name`. */
  setCookie(name: string): string | undefined {
    return this.setCookies.filter((line) => line.startsWith(`${name}=`)).at(-1);
  }

  async #send(test: request.Test): Promise<Response> {
    if (this.cookies.size > 0) test.set('Cookie', [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; '));
    if (this.host !== undefined) test.set('Host', this.host);
    for (const [name, value] of Object.entries(this.headers)) test.set(name, value);
    const res = await test;
    const lines = res.headers['set-cookie'] as unknown as string[] | undefined;
    for (const line of lines ?? []) {
      this.setCookies.push(line);
      const [pair = ''] = line.split(';');
      const eq = pair.indexOf('=');
      const name = pair.slice(0, eq);
      if (/;\s*Max-Age=0\b/i.test(line)) this.cookies.delete(name);
      else this.cookies.set(name, pair.slice(eq + 1));
    }
    return res;
  }
}
