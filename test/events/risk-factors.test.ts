// Prelude's risk_factors reach the event: parsed from the create reply (opaque strings; a value
// that is not a list of strings is a malformed reply, like any other off-contract field), carried
// on the send result, and put on the send event.
import express from 'express';
import request from 'supertest';
import { describe, expect, it } from 'vitest';
import { DingOtpStrategy } from 'passport-ding';
import { OtpUnavailableError } from 'passport-ding';
import type { ActionEvent, OtpProvider } from 'passport-ding';
import { createApp } from '../helpers/app.js';
import { parseCreateVerification } from '../../lib/providers/prelude/parse.js';

describe('risk factors', () => {
  it('are parsed from a Prelude create reply as opaque strings; a value that is not a list of strings is refused', () => {
    const reply = { id: 'vrf_1', status: 'blocked', method: 'message', reason: 'suspicious', risk_factors: ['ip_reputation', 'device_emulator'] };
    expect(parseCreateVerification(reply).riskFactors).toEqual(['ip_reputation', 'device_emulator']);
    expect(() => parseCreateVerification({ ...reply, risk_factors: 'ip_reputation' })).toThrow(OtpUnavailableError);
    expect(() => parseCreateVerification({ ...reply, risk_factors: [42, 'proxy_network'] })).toThrow(OtpUnavailableError);
  });

  it('reach the send event of a blocked number', async () => {
    // An in-process provider answering as the Prelude provider does for a block with risk factors.
    const provider: OtpProvider = {
      name: 'prelude',
      send: () => Promise.resolve({ status: 'blocked', reason: 'spam', riskFactors: ['ip_reputation'] }),
      check: () => Promise.resolve({ status: 'invalid' }),
      resend: () => Promise.resolve({ status: 'sent' }),
      close: () => Promise.resolve(),
    };
    const events: ActionEvent[] = [];
    const strategy = new DingOtpStrategy({ provider, onEvent: (e) => void events.push(e as ActionEvent) }, async () => false);
    const { app } = createApp({ express, strategies: { ding: strategy } });
    const res = await request(app).post('/api/send').send({ phoneNumber: '+14155552671' }).expect(403);
    expect(JSON.stringify(res.body)).not.toContain('ip_reputation');
    await new Promise((r) => setImmediate(r));
    expect(events).toEqual([expect.objectContaining({ type: 'send', outcome: 'blocked', riskFactors: ['ip_reputation'] })]);
  });
});
