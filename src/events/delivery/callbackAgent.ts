// The HTTP agent that webhook deliveries go through. Unless private callbacks are allowed, the
// address a callback host resolves to is checked when connecting (after DNS), so a host name that
// later resolves to a loopback or private address (DNS rebinding) is refused too. What a failed
// connection records is read by tenants (lastError, delivery attempts), so it never names the address
// their host resolved to: that would map our internal DNS for them.

import dns from 'node:dns';
import net from 'node:net';
import { Agent } from 'undici';
import { callbackHost, isLoopbackName, isPrivateAddress } from './callbackUrlPolicy.ts';

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
        return callback(new PrivateAddressRefused('callback host resolves to a private or loopback address; refused') as NodeJS.ErrnoException, []);
      }
      if (options.all) return callback(null, list);
      const first = list[0]!;
      callback(null, first.address, first.family);
    });
  };
}

/** Throws when a callback URL's host is a literal private address (net.connect skips lookup for those). */
export function assertPublicLiteral(url: URL): void {
  const host = callbackHost(url);
  if (net.isIP(host) && isPrivateAddress(host)) throw new PrivateAddressRefused('callback address is private or loopback; refused');
  if (isLoopbackName(host)) throw new PrivateAddressRefused('callback host is loopback; refused');
}

/**
 * What to record for a delivery that failed before an answer (other than by timing out). System errors
 * name the address they failed on ("connect ECONNREFUSED 10.0.0.7:443"), so those say only their code.
 */
export function connectionFailureText(error: unknown): string {
  type Failure = Error & { code?: string; address?: unknown };
  const err = error as Failure;
  const cause = err.cause as Failure | undefined;
  if (err instanceof PrivateAddressRefused) return err.message;
  if (cause instanceof PrivateAddressRefused) return cause.message;
  const code = err.code ?? cause?.code ?? err.name;
  // AggregateError: every address tried (happy eyeballs), each naming its own.
  if (err.address !== undefined || cause?.address !== undefined || err instanceof AggregateError) return `${code}: connecting to the callback host failed`;
  return `${code}: ${err.message}`;
}

export function createCallbackAgent(options: { allowPrivate: boolean; connections?: number; resolve?: HostResolver }): Agent {
  const resolve: HostResolver = options.resolve ?? ((hostname, lookupOptions, callback) => dns.lookup(hostname, lookupOptions, callback));
  return new Agent({
    keepAliveTimeout: 30_000,
    connections: options.connections ?? 16,
    connect: options.allowPrivate ? { timeout: 10_000 } : { timeout: 10_000, lookup: guardedLookup(resolve) as never }, // net.LookupFunction is an overload set no single function type satisfies
  });
}
