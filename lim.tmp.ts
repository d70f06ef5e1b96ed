import { Limits } from './lib/limits/limits.js';
import { resolveLimits } from './lib/limits/options.js';
const U = { points: 1_000_000_000, durationSeconds: 3600 };
const settings = resolveLimits({ sendsPerPhone: U, sendsPerIp: U, sendsPerNetwork: U, sendsPerNumberBlock: { ...U, digits: 3 }, sendsPerCountry: U, failedChecksPerIp: U })!;
const limits = new Limits(settings);
async function login(i: number) {
  const phone = '+1201555' + String(1000 + (i % 64)).padStart(4, '0');
  const d = await limits.reserveSend(phone, '127.0.0.1', 30000, 'US');
  if (!d.ok) throw new Error('refused ' + d.rule);
  const g = await limits.reserveFailedCheck(phone, '127.0.0.1');
  if (!g.ok) throw new Error('refused2');
  await g.clear();
}
for (let r = 0; r < 5; r++) {
  const n = 50000; const s = process.hrtime.bigint();
  for (let i = 0; i < n; i++) await login(i);
  console.log('limits per login', (Number(process.hrtime.bigint() - s) / n / 1000).toFixed(2), 'µs');
}
