// The character test that reads IPv4 addresses (lib/ip.ts isIPv4) answers as Node's pattern
// (net.isIPv4) does, and addressKeys() (lib/limits/keys.ts: a send's per-address and per-network
// keys from one reading of the address) gives what ipKey() and networkKey() give one at a time.
import { isIPv4 as nodeIsIPv4 } from 'node:net';
import { describe, expect, it } from 'vitest';
import { isIPv4 } from '../../lib/ip.js';
import { addressKeys, ipKey, networkKey } from '../../lib/limits/keys.js';

describe('isIPv4', () => {
  it('answers as net.isIPv4 on the edges: leading zeros, 255/256, missing or extra parts, text around it', () => {
    const cases = ['0.0.0.0', '1.2.3.4', '255.255.255.255', '256.1.1.1', '1.256.1.1', '1.1.1.256', '249.250.251.252', '199.99.9.0', '01.1.1.1', '1.1.1.01', '00.1.1.1', '1.2.3', '1.2.3.4.', '.1.2.3.4', '1..3.4', '1.2.3.4 ', ' 1.2.3.4', '1.2.3.4\n', '1.2.3.4:80', '1234.1.1.1', '1.2.3.4444', '', '::1', '::ffff:1.2.3.4', '1.2.3.-4', '1.2.3.4a', '１.2.3.4', '1.2.3.٤'];
    for (const text of cases) expect([text, isIPv4(text)]).toEqual([text, nodeIsIPv4(text)]);
  });

  it('answers as net.isIPv4 on random text of digits, dots and other characters', () => {
    const alphabet = '0123456789.0125.:a /';
    let seed = 7;
    const random = (n: number): number => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return seed % n;
    };
    for (let i = 0; i < 100_000; i += 1) {
      let text = '';
      for (let n = 1 + random(17); n > 0; n -= 1) text += alphabet[random(alphabet.length)];
      if (isIPv4(text) !== nodeIsIPv4(text)) expect(text).toBe(`read as net.isIPv4 reads it (${nodeIsIPv4(text)})`);
    }
    for (let i = 0; i < 50_000; i += 1) {
      const parts = Array.from({ length: 3 + random(3) }, () => String(random(300)).padStart(random(10) === 0 ? 2 : 0, '0'));
      const text = parts.join('.');
      if (isIPv4(text) !== nodeIsIPv4(text)) expect(text).toBe(`read as net.isIPv4 reads it (${nodeIsIPv4(text)})`);
    }
  });
});

describe('addressKeys', () => {
  it('gives the keys ipKey() and networkKey() give, for every kind of address and none', () => {
    const addresses = [undefined, '', 'garbage', '/tmp/socket', '203.0.113.7', ' 203.0.113.7:443 ', '::ffff:203.0.113.7', '[::ffff:cb00:7107]:8080', '2001:db8:1:2:3:4:5:6', '2001:DB8:1::1%eth0', '[2001:db8::1]:443'];
    for (const secret of [undefined, 'address keys test secret']) {
      for (const ip of addresses) expect([ip, ...addressKeys(ip, secret)]).toEqual([ip, ipKey(ip, secret), networkKey(ip, secret)]);
    }
  });
});
