// Which callback URLs events may be sent to. At create/PATCH only the URL's form and literal
// addresses are checked (a host name need not resolve yet); delivery checks the resolved address again
// when it connects, so DNS cannot be used to reach a private address later.
// Delivery owns the rule because delivery is what it protects; instances apply it at create/PATCH
// through the events index (instances depend on events, never the other way round).

import net from 'node:net';

const blockedIpv4 = new net.BlockList();
// IPv4: "this network", private, loopback, link-local, CGNAT, benchmarking, documentation, multicast and reserved.
for (const [address, prefix] of [
  ['0.0.0.0', 8], ['10.0.0.0', 8], ['100.64.0.0', 10], ['127.0.0.0', 8], ['169.254.0.0', 16], ['172.16.0.0', 12],
  ['192.0.0.0', 24], ['192.0.2.0', 24], ['192.168.0.0', 16], ['198.18.0.0', 15], ['198.51.100.0', 24], ['203.0.113.0', 24],
  ['224.0.0.0', 4], ['240.0.0.0', 4],
] as const) blockedIpv4.addSubnet(address, prefix, 'ipv4');

// IPv6: only global unicast (2000::/3) is routed on the internet. Everything outside it is refused —
// unspecified, loopback, 100::/64 discard, unique-local, link-local, site-local, multicast, the
// local-use NAT64 prefix 64:ff9b:1::/48 (its IPv4 sits where its operator chose) and unassigned
// space — except the forms below that carry an IPv4 address, which are judged by that address.
const globalUnicast = new net.BlockList();
globalUnicast.addSubnet('2000::', 3, 'ipv6');
// Inside 2000::/3 but not public: benchmarking, ORCHID (v1, v2) and documentation (two prefixes).
const blockedIpv6 = new net.BlockList();
for (const [address, prefix] of [['2001:2::', 48], ['2001:10::', 28], ['2001:20::', 28], ['2001:db8::', 32], ['3fff::', 20]] as const) {
  blockedIpv6.addSubnet(address, prefix, 'ipv6');
}

/** True for loopback, private, link-local and other non-public addresses. */
export function isPrivateAddress(address: string): boolean {
  const family = net.isIP(address);
  if (family === 4) return blockedIpv4.check(address, 'ipv4');
  if (family !== 6) return false;
  const bytes = ipv6Bytes(address);
  const carried = embeddedIpv4(bytes);
  if (carried.some((ipv4) => blockedIpv4.check(ipv4, 'ipv4'))) return true;
  // The forms outside global unicast that carry an IPv4 address are judged by that address alone.
  if (carried.length > 0 && !isTunnelled(bytes)) return false;
  const canonical = Array.from({ length: 8 }, (_, i) => ((bytes[2 * i]! << 8) | bytes[2 * i + 1]!).toString(16)).join(':');
  return !globalUnicast.check(canonical, 'ipv6') || blockedIpv6.check(canonical, 'ipv6');
}

/**
 * The IPv4 addresses traffic to an IPv6 address reaches, for the forms that embed one: IPv4-compatible
 * ::a.b.c.d (and so ::, ::1), IPv4-mapped ::ffff:a.b.c.d, IPv4-translated ::ffff:0:a.b.c.d, NAT64
 * 64:ff9b::a.b.c.d, 6to4 2002:aabb:ccdd::/48 and Teredo 2001:0:<server>::<client xor ffffffff> (the
 * client, where the relay sends it, and the server).
 */
function embeddedIpv4(b: Uint8Array): string[] {
  const ipv4 = (at: number, mask = 0) => [0, 1, 2, 3].map((i) => b[at + i]! ^ mask).join('.');
  const zeros = (from: number, to: number) => b.subarray(from, to).every((byte) => byte === 0);
  if (zeros(0, 12)) return [ipv4(12)];
  if (zeros(0, 10) && b[10] === 0xff && b[11] === 0xff) return [ipv4(12)];
  if (zeros(0, 8) && b[8] === 0xff && b[9] === 0xff && zeros(10, 12)) return [ipv4(12)];
  if (b[0] === 0x00 && b[1] === 0x64 && b[2] === 0xff && b[3] === 0x9b && zeros(4, 12)) return [ipv4(12)];
  if (b[0] === 0x20 && b[1] === 0x02) return [ipv4(2)];
  if (b[0] === 0x20 && b[1] === 0x01 && zeros(2, 4)) return [ipv4(12, 0xff), ipv4(4)];
  return [];
}

/** 6to4 and Teredo sit inside global unicast: their IPv4 is checked, and then their IPv6 range too. */
function isTunnelled(b: Uint8Array): boolean {
  return b[0] === 0x20 && (b[1] === 0x02 || (b[1] === 0x01 && b[2] === 0 && b[3] === 0));
}

/** The 16 bytes of an address net.isIP() accepted as IPv6 (a zone, "%eth0", is dropped). */
function ipv6Bytes(address: string): Uint8Array {
  let text = address.split('%')[0]!;
  // A trailing dotted quad stands for the last two groups.
  const dotted = /(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(text);
  if (dotted) {
    const [a, b, c, d] = dotted.slice(1).map(Number) as [number, number, number, number];
    text = `${text.slice(0, dotted.index)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head, tail] = text.split('::') as [string, string | undefined];
  const groups = (part: string | undefined) => (part ? part.split(':').map((group) => Number.parseInt(group, 16)) : []);
  const before = groups(head);
  const after = groups(tail);
  const all = tail === undefined ? before : [...before, ...new Array<number>(8 - before.length - after.length).fill(0), ...after];
  const bytes = new Uint8Array(16);
  all.forEach((group, i) => {
    bytes[2 * i] = group >> 8;
    bytes[2 * i + 1] = group & 0xff;
  });
  return bytes;
}

/**
 * A callback URL's host as the address checks compare it: an IPv6 literal without its brackets, lower
 * case, and without a trailing dot — "localhost." names the same host, so it must not slip past them.
 */
export function callbackHost(url: URL): string {
  return url.hostname.replace(/^\[|\]$/g, '').replace(/\.$/, '').toLowerCase();
}

/** `localhost` and its subdomains, which resolve to loopback (RFC 6761). Takes a `callbackHost`. */
export function isLoopbackName(host: string): boolean {
  return host === 'localhost' || host.endsWith('.localhost');
}

/** Returns a problem with the URL (to be prefixed by the field name), or undefined when acceptable. */
export function callbackUrlProblem(raw: string, options: { allowPrivate: boolean }): string | undefined {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return 'must be an absolute http(s) URL';
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return 'must use http or https';
  if (url.username || url.password) return 'must not carry credentials';
  if (options.allowPrivate) return undefined;
  const host = callbackHost(url);
  if (isLoopbackName(host)) {
    return 'must not point at a loopback or private address (set CHANGEHOOK_ALLOW_PRIVATE_CALLBACKS=true to allow)';
  }
  if (isPrivateAddress(host)) {
    return 'must not point at a loopback or private address (set CHANGEHOOK_ALLOW_PRIVATE_CALLBACKS=true to allow)';
  }
  return undefined;
}
