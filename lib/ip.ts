// Client IP addresses, read one way everywhere: the default signals, the providers' `ip` fields
// and the per-IP limit keys. Express gives `::ffff:1.2.3.4` for an IPv4 client on a dual-stack
// socket; that is the IPv4 address, in whatever spelling (`::FFFF:cb00:7107` too).

import { isIPv4, isIPv6 } from 'node:net';

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
