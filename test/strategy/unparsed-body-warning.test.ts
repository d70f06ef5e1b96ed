// An app that parses forms only, whose own front end posts JSON: every login answers
// missing_phone_number (a client's 4xx, since any client can choose the type). The developer
// still learns which parser to add, from one process warning per content type, never from the
// client's header text and never again however often a client posts it.
import express5 from 'express';
import session from 'express-session';
import passport from 'passport';
import request from 'supertest';
import { describe, expect, it } from 'vitest';
import { harness } from '../helpers/harness.js';
import { collectWarnings, nextTicks } from '../helpers/warnings.js';

const PHONE = '+14155552671';
const MARKER = 'client-text-+14155550000';

const h = harness(express5, {}, 'prelude');

function formsOnlyApp(): express5.Express {
  const auth = new passport.Passport();
  auth.use('ding', h.strategy());
  const app = express5();
  app.use(express5.urlencoded({ extended: false }));
  app.use(session({ secret: 'unparsed body warning', resave: false, saveUninitialized: false }));
  app.post('/login/phone', auth.authenticate('ding', { action: 'send' }), (_req, res) => {
    res.json({ ok: true });
  });
  return app;
}

const seen = collectWarnings((code) => code === 'PASSPORT_DING_UNPARSED_BODY');

describe('a body type the app does not parse (Express 5)', () => {
  it('warns once per content type, naming the parser to add, never quoting the client', async () => {
    const app = formsOnlyApp();
    for (let i = 0; i < 3; i += 1) {
      await request(app).post('/login/phone').set('content-type', `application/json,${MARKER}`).send(JSON.stringify({ phoneNumber: PHONE })).expect(400);
    }
    await nextTicks();
    expect(seen).toHaveLength(1);
    expect(seen[0]?.message).toContain('a body of type application/json reached passport.authenticate()');
    expect(seen[0]?.message).toContain('add app.use(express.json())');
    expect(seen[0]?.message).not.toContain(MARKER);

    await request(app).post('/login/phone').field('phoneNumber', PHONE).expect(400);
    await request(app).post('/login/phone').field('phoneNumber', PHONE).expect(400);
    await nextTicks();
    expect(seen).toHaveLength(2);
    expect(seen[1]?.message).toContain('multipart/form-data');
    expect(h.calls('send')).toBe(0);
  });

  it('a +json type to an app that parses JSON: the advice is the parser option that takes it, and it works', async () => {
    // express.json() takes application/json only: a client posting application/vnd.api+json
    // (JSON:API) or application/problem+json reaches the strategy unread. "Add express.json()" would
    // send the developer in a circle; the type option is what makes the parser take it.
    const jsonApp = (parser: express5.RequestHandler): express5.Express => {
      const auth = new passport.Passport();
      auth.use('ding', h.strategy());
      const app = express5();
      app.use(parser);
      app.use(session({ secret: 'unparsed body warning', resave: false, saveUninitialized: false }));
      app.post('/login/phone', auth.authenticate('ding', { action: 'send' }), (_req, res) => {
        res.json({ ok: true });
      });
      return app;
    };
    const body = JSON.stringify({ phoneNumber: PHONE });
    await request(jsonApp(express5.json())).post('/login/phone').set('content-type', 'application/vnd.api+json').send(body).expect(400);
    await nextTicks();
    expect(seen).toHaveLength(1);
    expect(seen[0]?.message).toContain('a body of type application/*+json reached passport.authenticate()');
    expect(seen[0]?.message).toContain("add app.use(express.json({ type: ['application/json', 'application/*+json'] }))");
    expect(h.calls('send')).toBe(0);

    const advised = express5.json({ type: ['application/json', 'application/*+json'] });
    await request(jsonApp(advised)).post('/login/phone').set('content-type', 'application/vnd.api+json').send(body).expect(200);
    await request(jsonApp(advised)).post('/login/phone').set('content-type', 'application/json').send(JSON.stringify({ phoneNumber: '+14155552672' })).expect(200);
    expect(h.calls('send')).toBe(2);
  });

  it('a type that only mentions +json past its start (a parameter) is not named application/*+json', async () => {
    // The content type is matched from its start: `text/plain; profile=application/vnd.api+json`
    // is no JSON body, and no parser entry names it, so the error gives both parsers' advice.
    const auth = new passport.Passport();
    auth.use('ding', h.strategy());
    const app = express5();
    app.use(session({ secret: 'unparsed body warning', resave: false, saveUninitialized: false }));
    app.post('/login/phone', auth.authenticate('ding', { action: 'send' }), (_req, res) => {
      res.json({ ok: true });
    });
    const errors: Error[] = [];
    app.use((err: Error, _req: express5.Request, res: express5.Response, _next: express5.NextFunction) => {
      errors.push(err);
      res.status(500).json({ error: err.name });
    });
    await request(app).post('/login/phone').set('content-type', 'text/plain; profile=application/vnd.api+json').send(JSON.stringify({ phoneNumber: PHONE })).expect(500);
    expect(errors.map((e) => e.message)).toEqual([
      'passport-ding reads its form fields from req.body, but no body parser has read this request: add app.use(express.urlencoded({ extended: false })) for HTML forms and app.use(express.json()) for JSON, before passport.authenticate()',
    ]);
    expect(h.calls('send')).toBe(0);
  });

  it('no warning for a form the app parses, nor for a post without a body', async () => {
    const app = formsOnlyApp();
    await request(app).post('/login/phone').type('form').send({ phoneNumber: PHONE }).expect(200);
    await request(app).post('/login/phone').expect(400);
    await nextTicks();
    expect(seen).toEqual([]);
  });
});
