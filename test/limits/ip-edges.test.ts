// The edges of reading a client address (lib/ip.ts) as the per-IP limits key it: a port that a
// proxy wrote into X-Forwarded-For (`a.b.c.d:port`, `[v6]:port`) is dropped, so one client cannot
// open a budget per port; text that only contains an address (a prefix, a suffix, a port too long)
// is no address; and only `::ffff:0:0/96` is read as IPv4, so no other IPv6 network borrows an
// IPv4 client's key.
import { describe, expect, it } from 'vitest';
import { normalizeIp, unwrapMappedIpv4 } from '../../lib/ip.js';
import { ipKey, networkKey } from '../../lib/limits/keys.js';

const SECRET = 'ip edges test secret';

describe('an address with a port', () => {
  it('keys one IPv4 client the same with any port or spelling', () => {
    const spellings = ['203.0.113.7', '203.0.113.7:1', '203.0.113.7:65535', ' 203.0.113.7:443 ', '[::ffff:203.0.113.7]:443', '::FFFF:203.0.113.7', '[::ffff:cb00:7107]:8080'];
    for (const secret of [undefined, SECRET]) {
      expect(new Set(spellings.map((ip) => ipKey(ip, secret)))).toEqual(new Set([ipKey('203.0.113.7', secret)]));
      expect(new Set(spellings.map((ip) => networkKey(ip, secret)))).toEqual(new Set([networkKey('203.0.113.9', secret)]));
    }
    expect(ipKey('203.0.113.7:51234', undefined)).toBe('i203.0.113.7');
  });

  it('keys one IPv6 client the same with any port, zone or case', () => {
    const spellings = ['2001:db8:1:2::5', '[2001:db8:1:2::5]:443', '[2001:DB8:1:2::5]:1', '[2001:db8:1:2::5]', '[2001:db8:1:2::5%eth0]:80', ' [2001:db8:1:2::5]:443 '];
    expect(new Set(spellings.map((ip) => ipKey(ip, SECRET)))).toEqual(new Set([ipKey('2001:db8:1:2::5', SECRET)]));
    expect(ipKey('[2001:db8:1:2::5]:443', undefined)).toBe('i2001:db8:1:2::/64');
    expect(normalizeIp('[2001:db8:1:2::5]:443')).toBe('2001:db8:1:2::5');
  });

  it.each([
    ['x203.0.113.7:51234'],
    ['203.0.113.7:51234x'],
    ['203.0.113.7:123456'],
    ['1234.0.113.7:80'],
    ['203.0.113:80'],
    ['203.0.113.7.9:80'],
    ['203.0.113.7::80'],
    ['x[2001:db8::1]:80'],
    ['[2001:db8::1]:80x'],
    ['[2001:db8::1]x'],
    ['[2001:db8::1]:123456'],
    ['[2001:db8::1]:'],
    ['[2001:db8::1'],
    ['2001:db8::1]'],
    ['[]:80'],
  ])('%j is no address, and keys as unknown', (ip) => {
    expect(normalizeIp(ip)).toBeUndefined();
    expect(ipKey(ip, undefined)).toBe('iunknown');
  });
});

describe('IPv4-mapped addresses', () => {
  // A non-zero group anywhere in the first 80 bits, or a sixth group other than ffff, is another
  // IPv6 address: it keeps its own /64 and never takes the key of the IPv4 address in its tail.
  it.each([
    ['1:0:0:0:0:ffff:cb00:7107'],
    ['0:1:0:0:0:ffff:cb00:7107'],
    ['0:0:1:0:0:ffff:cb00:7107'],
    ['0:0:0:1:0:ffff:cb00:7107'],
    ['0:0:0:0:1:ffff:cb00:7107'],
    ['0:0:0:0:0:fffe:cb00:7107'],
    ['0:0:0:0:0:0:cb00:7107'],
    ['0:0:0:0:1:ffff:203.0.113.7'],
  ])('%s is not read as 203.0.113.7', (ip) => {
    expect(unwrapMappedIpv4(ip)).toBe(ip);
    expect(normalizeIp(ip)).toBe(ip);
    expect(ipKey(ip, SECRET)).not.toBe(ipKey('203.0.113.7', SECRET));
  });

  it('unwraps the mapped form in full, with :: or dotted, to the same IPv4 key', () => {
    for (const ip of ['0:0:0:0:0:ffff:cb00:7107', '::ffff:cb00:7107', '0:0:0:0:0:FFFF:203.0.113.7', '::ffff:203.0.113.7']) {
      expect(unwrapMappedIpv4(ip)).toBe('203.0.113.7');
      expect(ipKey(ip, SECRET)).toBe(ipKey('203.0.113.7', SECRET));
    }
    // The low bytes of each group: 0x0a0b -> 10.11.
    expect(unwrapMappedIpv4('::ffff:a0b:c0d')).toBe('10.11.12.13');
  });

  it('leaves text that is not IPv6 as it is, even when it looks mapped', () => {
    // Nine groups, or a group that is not hexadecimal: not an IPv6 address, so no IPv4 address
    // is read out of it (parsed as groups, each would give 203.0.113.7).
    for (const text of ['0:0:0:0:0:ffff:cb00:7107:1', '::ffff:cb00:7107g', '::ffff:cb00:7107:']) {
      expect(unwrapMappedIpv4(text)).toBe(text);
      expect(normalizeIp(text)).toBeUndefined();
    }
  });
});
