// Which callback URLs events may be sent to. At create/PATCH only the URL's form and literal
// addresses are checked (a host name need not resolve yet); delivery checks the resolved address again
// when it connects, so DNS cannot be used to reach a private address later.

import net from 'node:net';

const blockedRanges = new net.BlockList();
// IPv4: "this network", private, loopback, link-local, CGNAT, benchmarking, multicast and reserved.
for (const [address, prefix] of [
  ['0.0.0.0', 8], ['10.0.0.0', 8], ['100.64.0.0', 10], ['127.0.0.0', 8], ['169.254.0.0', 16], ['172.16.0.0', 12],
  ['192.0.0.0', 24], ['192.168.0.0', 16], ['198.18.0.0', 15], ['224.0.0.0', 4], ['240.0.0.0', 4],
] as const) blockedRanges.addSubnet(address, prefix, 'ipv4');
// IPv6: unspecified, loopback, unique-local, link-local, multicast, and IPv4-mapped (checked as IPv4 below).
for (const [address, prefix] of [['::', 128], ['::1', 128], ['fc00::', 7], ['fe80::', 10], ['ff00::', 8]] as const) {
  blockedRanges.addSubnet(address, prefix, 'ipv6');
}

/** True for loopback, private, link-local and other non-public addresses. */
export function isPrivateAddress(address: string): boolean {
  const family = net.isIP(address);
  if (family === 4) return blockedRanges.check(address, 'ipv4');
  if (family === 6) {
    const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
    if (mapped) return blockedRanges.check(mapped[1]!, 'ipv4');
    return blockedRanges.check(address, 'ipv6');
  }
  return false;
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
  // A trailing dot names the same host ("localhost."), so it must not slip past the check.
  const host = url.hostname.replace(/^\[|\]$/g, '').replace(/\.$/, '').toLowerCase();
  if (host === 'localhost' || host.endsWith('.localhost')) {
    return 'must not point at a loopback or private address (set CHANGEHOOK_ALLOW_PRIVATE_CALLBACKS=true to allow)';
  }
  if (isPrivateAddress(host)) {
    return 'must not point at a loopback or private address (set CHANGEHOOK_ALLOW_PRIVATE_CALLBACKS=true to allow)';
  }
  return undefined;
}
