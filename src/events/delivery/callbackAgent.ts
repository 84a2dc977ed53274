// The HTTP agent that webhook deliveries go through. Unless private callbacks are allowed, the
// address a callback host resolves to is checked when connecting (after DNS), so a host name that
// later resolves to a loopback or private address (DNS rebinding) is refused too.

import dns from 'node:dns';
import net from 'node:net';
import { Agent } from 'undici';
import { isPrivateAddress } from '../../instances/index.ts';

export class PrivateAddressRefused extends Error {}

type LookupCallback = (error: NodeJS.ErrnoException | null, address: string | dns.LookupAddress[], family?: number) => void;

/** dns.lookup's shape; injectable so tests can play a DNS server that answers with private addresses. */
export type HostResolver = (hostname: string, options: dns.LookupAllOptions, callback: (error: NodeJS.ErrnoException | null, addresses: dns.LookupAddress[]) => void) => void;

function guardedLookup(resolve: HostResolver) {
  return (hostname: string, options: dns.LookupOptions, callback: LookupCallback): void => {
    resolve(hostname, { ...options, all: true }, (error, list) => {
      if (error) return callback(error, []);
      const refused = list.find((a) => isPrivateAddress(a.address));
      if (refused) {
        return callback(new PrivateAddressRefused(`callback host ${hostname} resolves to the private address ${refused.address}`) as NodeJS.ErrnoException, []);
      }
      if (options.all) return callback(null, list);
      const first = list[0]!;
      callback(null, first.address, first.family);
    });
  };
}

/** Throws when a callback URL's host is a literal private address (net.connect skips lookup for those). */
export function assertPublicLiteral(url: URL): void {
  const host = url.hostname.replace(/^\[|\]$/g, '').replace(/\.$/, '').toLowerCase();
  if (net.isIP(host) && isPrivateAddress(host)) throw new PrivateAddressRefused(`callback address ${host} is private`);
  if (host === 'localhost' || host.endsWith('.localhost')) throw new PrivateAddressRefused(`callback host ${host} is loopback`);
}

export function createCallbackAgent(options: { allowPrivate: boolean; connections?: number; resolve?: HostResolver }): Agent {
  const resolve: HostResolver = options.resolve ?? ((hostname, lookupOptions, callback) => dns.lookup(hostname, lookupOptions, callback));
  return new Agent({
    keepAliveTimeout: 30_000,
    connections: options.connections ?? 16,
    connect: options.allowPrivate ? { timeout: 10_000 } : { timeout: 10_000, lookup: guardedLookup(resolve) as never }, // net.LookupFunction is an overload set no single function type satisfies
  });
}
