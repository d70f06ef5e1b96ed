// A body of a type the app does not parse. The README's app parses forms only
// (`express.urlencoded()`); a client may still post JSON or multipart to its login routes. On
// Express 5 the form parser then leaves `req.body` undefined (Express 4 leaves `{}`), and that is
// the client's choice, not the app's mistake: a 4xx like any malformed input, with no provider
// call and nothing handed to the app's error handler. Only when no parser ran at all is it a
// configuration error, and its message is the library's own words, never the client's header.
import express5 from 'express';
import type { ErrorRequestHandler, Express } from 'express';
import session from 'express-session';
import passport from 'passport';
import request from 'supertest';
import { describe, expect, it } from 'vitest';
import { EXPRESS_VERSIONS } from '../helpers/app.js';
import type { ExpressFactory } from '../helpers/app.js';
import { harness } from '../helpers/harness.js';

const PHONE = '+14155552671';
const MARKER = 'attacker-text-+14155550000';

const h = harness(express5, {}, 'prelude');

/** Express, express-session, Passport and the strategy against the sandbox, with the body parsers given. */
function app(express: ExpressFactory, parsers: Array<'form' | 'json'>): { app: Express; errors: Error[] } {
  const auth = new passport.Passport();
  auth.use('ding', h.strategy());
  auth.serializeUser<string>((user, done) => done(null, (user as { id: string }).id));
  auth.deserializeUser<string>((id, done) => done(null, { id }));
  const target = express();
  if (parsers.includes('form')) target.use(express.urlencoded({ extended: false, limit: '8kb' }));
  if (parsers.includes('json')) target.use(express.json());
  target.use(session({ secret: 'unparsed body type', resave: false, saveUninitialized: false }));
  target.use(auth.session());
  target.post('/login/phone', auth.authenticate('ding', { action: 'send' }), (_req, res) => {
    res.json({ ok: true });
  });
  const errors: Error[] = [];
  const handler: ErrorRequestHandler = (err: Error, _req, res, _next) => {
    errors.push(err);
    res.status(500).json({ error: err.name });
  };
  target.use(handler);
  return { app: target, errors };
}

describe('a body of a type the app has no parser for', () => {
  it.each(EXPRESS_VERSIONS)('%s, forms only: JSON and multipart posts are refused as a client error, nothing sent', async (_name, express) => {
    const { app: target, errors } = app(express, ['form']);
    const json = await request(target).post('/login/phone').set('content-type', 'application/json').send(JSON.stringify({ phoneNumber: PHONE }));
    const vendor = await request(target).post('/login/phone').set('content-type', `application/vnd.x+json,${MARKER}`).send('{}');
    const multipart = await request(target).post('/login/phone').field('phoneNumber', PHONE);
    for (const res of [json, vendor, multipart]) expect(res.status).toBe(400);
    expect(errors).toEqual([]);
    expect(h.calls('send')).toBe(0);
  });

  it.each(EXPRESS_VERSIONS)('%s, JSON only: a form post is refused as a client error, nothing sent', async (_name, express) => {
    const { app: target, errors } = app(express, ['json']);
    const res = await request(target).post('/login/phone').type('form').send({ phoneNumber: PHONE });
    expect(res.status).toBe(400);
    expect(errors).toEqual([]);
    expect(h.calls('send')).toBe(0);
  });

  it.each(EXPRESS_VERSIONS)('%s, forms only: a form post still sends', async (_name, express) => {
    const { app: target } = app(express, ['form']);
    await request(target).post('/login/phone').type('form').send({ phoneNumber: PHONE }).expect(200);
    expect(h.calls('send')).toBe(1);
  });

  it.each(EXPRESS_VERSIONS)('%s, no parser at all: a configuration error in the library’s words, not the client’s Content-Type', async (_name, express) => {
    const { app: target, errors } = app(express, []);
    await request(target).post('/login/phone').set('content-type', `application/json,${MARKER}`).send('{}').expect(500);
    await request(target).post('/login/phone').set('content-type', `multipart/form-data,${MARKER}`).send('x').expect(500);
    expect(errors).toHaveLength(2);
    expect(errors[0]?.message).toContain('application/json bodies need app.use(express.json())');
    expect(errors[1]?.message).toContain('multipart/form-data bodies need');
    for (const err of errors) expect(err.message).not.toContain(MARKER);
    expect(h.calls('send')).toBe(0);
  });
});
