// Checks of an emulator's start options (fail at start, naming the option), and the URL a listening
// server is reached at.

import type { AddressInfo } from 'node:net';

/** The value, or the fallback when absent; a TypeError naming the option unless it is above 0. */
export function positive(value: number | undefined, fallback: number, name: string): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !(value > 0)) throw new TypeError(`${name} must be a positive number`);
  return value;
}

/** The value, or the fallback when absent; a TypeError naming the option when it is below 0. */
export function nonNegative(value: number | undefined, fallback: number, name: string): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !(value >= 0)) throw new TypeError(`${name} must be a non-negative number`);
  return value;
}

/** e.g. `http://127.0.0.1:8090` or `http://[::1]:8090`, no trailing slash. */
export function listeningUrl(scheme: 'http' | 'https', address: AddressInfo): string {
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return `${scheme}://${host}:${address.port}`;
}
