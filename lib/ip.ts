// Client IP addresses, read one way everywhere: the default signals, the providers' `ip` fields
// and the per-IP limit keys. Express gives `::ffff:1.2.3.4` for an IPv4 client on a dual-stack
// socket; that is the IPv4 address, in whatever spelling (`::FFFF:cb00:7107` too).

import { isIPv6 } from 'node:net';

/**
 * Whether `text` is a dotted-quad IPv4 address, exactly as `net.isIPv4` answers (four decimal
 * parts of 0-255, no leading zeros, nothing around them), with a character test instead of
 * Node's pattern: a login reads its client's address several times (the limit keys, the
 * provider's `ip` field), and the pattern's run cost more than the rest of those reads.
 */
export function isIPv4(text: string): boolean {
  const length = text.length;
  if (length < 7 || length > 15) return false;
  let i = 0;
  for (let part = 0; part < 4; part++) {
    if (part > 0) {
      if (text.charCodeAt(i) !== 46) return false; // '.'
      i++;
    }
    const start = i;
    let value = 0;
    while (i < length && i - start < 3) {
      const digit = text.charCodeAt(i) - 48;
      if (digit < 0 || digit > 9) break;
      value = value * 10 + digit;
      i++;
    }
    const digits = i - start;
    // No digit, a leading zero (`01`), or past 255.
    if (digits === 0 || (digits > 1 && text.charCodeAt(start) === 48) || value > 255) return false;
  }
  return i === length;
}

/** The eight 16-bit groups of a valid IPv6 address (`::` expanded, a dotted IPv4 tail converted). */
export function ipv6Groups(address: string): number[] {
  let text = address;
  const dotted = /(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(text);
  if (dotted) {
    const [a, b, c, d] = dotted.slice(1).map(Number) as [number, number, number, number];
    text = `${text.slice(0, dotted.index)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head = '', tail] = text.split('::');
  const parse = (part: string): number[] => (part === '' ? [] : part.split(':').map((g) => parseInt(g, 16)));
  const left = parse(head);
  if (tail === undefined) return left;
  const right = parse(tail);
  return [...left, ...new Array<number>(8 - left.length - right.length).fill(0), ...right];
}

/** The IPv4 address inside an IPv4-mapped IPv6 address (`::ffff:0:0/96`), else undefined. */
function mappedIpv4(address: string): string | undefined {
  // Most clients are plain IPv4: no colon, no need for the IPv6 pattern.
  if (!address.includes(':') || !isIPv6(address)) return undefined;
  const g = ipv6Groups(address.toLowerCase());
  if (g[0] !== 0 || g[1] !== 0 || g[2] !== 0 || g[3] !== 0 || g[4] !== 0 || g[5] !== 0xffff) return undefined;
  const hi = g[6] ?? 0;
  const lo = g[7] ?? 0;
  return `${hi >> 8}.${hi & 255}.${lo >> 8}.${lo & 255}`;
}

/** `::ffff:1.2.3.4` (any spelling) as `1.2.3.4`; any other text as it is. */
export function unwrapMappedIpv4(ip: string): string {
  return mappedIpv4(ip) ?? ip;
}

/**
 * Some proxies (Azure's among them) put the client's port in X-Forwarded-For, so behind them
 * Express's req.ip is `1.2.3.4:51234` or `[2001:db8::1]:51234`. Read as no address at all, every
 * client would share one `unknown` key and one budget. An unbracketed IPv6 address keeps its
 * colons: only a bracketed one can carry a port.
 */
function withoutPort(text: string): string {
  const v4 = /^(\d{1,3}(?:\.\d{1,3}){3}):\d{1,5}$/.exec(text);
  if (v4) return v4[1] as string;
  const v6 = /^\[([^\]]+)\](?::\d{1,5})?$/.exec(text);
  return v6 ? (v6[1] as string) : text;
}

/**
 * An address as a provider or a limit takes it: trimmed, without a port or an IPv6 zone (`%eth0`,
 * which means nothing off this host), an IPv4-mapped address as its IPv4 address, IPv6 in lower case.
 * Undefined when the text is not an IP address (no address, a Unix socket path, garbage).
 */
export function normalizeIp(ip: string | undefined): string | undefined {
  if (typeof ip !== 'string') return undefined;
  // What Express gives for most clients: a plain IPv4 address, nothing to trim or lower-case.
  if (isIPv4(ip)) return ip;
  const address = withoutPort(ip.trim().toLowerCase()).replace(/%.*$/, '');
  if (isIPv4(address)) return address;
  if (!isIPv6(address)) return undefined;
  return mappedIpv4(address) ?? address;
}

/** A normalised address if it is IPv4 (a mapped one included), else undefined. */
export function ipv4Address(ip: string | undefined): string | undefined {
  const address = normalizeIp(ip);
  return address !== undefined && isIPv4(address) ? address : undefined;
}

/** The /64 network of a valid IPv6 address, as `2001:db8:1:2::/64`. */
export function ipv6Prefix64(address: string): string {
  return `${ipv6Groups(address.toLowerCase()).slice(0, 4).map((g) => g.toString(16)).join(':')}::/64`;
}

/** The /48 network of a valid IPv6 address, as `2001:db8:1::/48`: one site, often one customer. */
export function ipv6Prefix48(address: string): string {
  return `${ipv6Groups(address.toLowerCase()).slice(0, 3).map((g) => g.toString(16)).join(':')}::/48`;
}

/** The /24 network of a valid IPv4 address, as `203.0.113.0/24`. */
export function ipv4Prefix24(address: string): string {
  return `${address.slice(0, address.lastIndexOf('.'))}.0/24`;
}
