// lib/ip.ts: the one reading of client addresses that the default signals, both providers and the
// per-IP limit keys share.
import type { Request } from 'express';
import { describe, expect, it } from 'vitest';
import { defaultSignals } from '../../lib/options.js';
import { ipv4Address, ipv4Prefix24, ipv6Groups, ipv6Prefix48, ipv6Prefix64, normalizeIp, unwrapMappedIpv4 } from '../../lib/ip.js';
import { wideNetwork } from '../../lib/limits/keys.js';

describe('unwrapMappedIpv4', () => {
  it.each([
    ['::ffff:203.0.113.7', '203.0.113.7'],
    ['::FFFF:203.0.113.7', '203.0.113.7'],
    ['::ffff:cb00:7107', '203.0.113.7'],
    ['0:0:0:0:0:ffff:203.0.113.7', '203.0.113.7'],
  ])('%s is %s', (ip, v4) => {
    expect(unwrapMappedIpv4(ip)).toBe(v4);
  });

  it.each([['203.0.113.7'], ['2001:db8::1'], ['64:ff9b::203.0.113.7'], ['::203.0.113.7'], ['not an ip'], ['']])('leaves %j as it is', (ip) => {
    expect(unwrapMappedIpv4(ip)).toBe(ip);
  });
});

describe('normalizeIp', () => {
  it.each([
    ['203.0.113.7', '203.0.113.7'],
    [' 203.0.113.7 ', '203.0.113.7'],
    ['::FFFF:cb00:7107', '203.0.113.7'],
    ['2001:DB8::1', '2001:db8::1'],
    ['fe80::1%eth0', 'fe80::1'],
    // A port from a proxy that writes one into X-Forwarded-For (Azure's).
    ['203.0.113.7:51234', '203.0.113.7'],
    ['[2001:DB8::1]:51234', '2001:db8::1'],
    ['[2001:db8::1]', '2001:db8::1'],
    ['[::ffff:203.0.113.7]:443', '203.0.113.7'],
    // Unbracketed, the last group is part of the address, not a port.
    ['2001:db8::1:443', '2001:db8::1:443'],
  ])('%j is %j', (ip, out) => {
    expect(normalizeIp(ip)).toBe(out);
  });

  it.each([[undefined], [''], ['not an ip'], ['1.2.3'], ['/tmp/app.sock'], ['1.2.3.4.5'], ['1.2.3.4:'], ['1.2.3.4:port'], ['[not an ip]:80']])('%j is not an address', (ip) => {
    expect(normalizeIp(ip)).toBeUndefined();
  });
});

describe('ipv4Address', () => {
  it('gives IPv4 (mapped included), never IPv6', () => {
    expect(ipv4Address('::ffff:198.51.100.5')).toBe('198.51.100.5');
    expect(ipv4Address('198.51.100.4')).toBe('198.51.100.4');
    expect(ipv4Address('2001:db8::1')).toBeUndefined();
    expect(ipv4Address(undefined)).toBeUndefined();
  });
});

describe('IPv6 groups and /64', () => {
  it('expands :: and a dotted tail', () => {
    expect(ipv6Groups('2001:db8::1')).toEqual([0x2001, 0xdb8, 0, 0, 0, 0, 0, 1]);
    expect(ipv6Groups('::ffff:1.2.3.4')).toEqual([0, 0, 0, 0, 0, 0xffff, 0x102, 0x304]);
    expect(ipv6Groups('1:2:3:4:5:6:7:8')).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
  });

  it('names the /64', () => {
    expect(ipv6Prefix64('2001:DB8:1:2:3:4:5:6')).toBe('2001:db8:1:2::/64');
    expect(ipv6Prefix64('::1')).toBe('0:0:0:0::/64');
  });

  it('names the /48 and the IPv4 /24 (the wider-network limit)', () => {
    expect(ipv6Prefix48('2001:DB8:1:2:3:4:5:6')).toBe('2001:db8:1::/48');
    expect(ipv6Prefix48('2001:db8:1:ffff::9')).toBe(ipv6Prefix48('2001:db8:1::1'));
    expect(ipv4Prefix24('198.51.100.7')).toBe('198.51.100.0/24');
    expect(wideNetwork('::ffff:198.51.100.250')).toBe('198.51.100.0/24');
    expect(wideNetwork('2001:db8:aa:ffff::9')).toBe('2001:db8:aa::/48');
    expect(wideNetwork('not an address')).toBe('unknown');
    expect(wideNetwork(undefined)).toBe('unknown');
  });
});

describe('the strategy\'s default signals', () => {
  it('send the IPv4 inside a mapped address, in any spelling, and other text as Express gave it', () => {
    const signals = (ip: string | undefined) => defaultSignals({ ip } as Request);
    expect(signals('::ffff:203.0.113.7')).toEqual({ ip: '203.0.113.7' });
    expect(signals('::FFFF:cb00:7107')).toEqual({ ip: '203.0.113.7' });
    expect(signals('2001:db8::1')).toEqual({ ip: '2001:db8::1' });
    expect(signals(undefined)).toEqual({});
  });
});
