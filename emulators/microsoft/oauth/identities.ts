// Who a signed-in mailbox is in Entra ID terms: the directory (tenant) id every account of the
// emulator belongs to, and a stable object id (`oid`, Graph's user id) derived from the address so the
// same address is the same user across emulator restarts.

import { createHash } from 'node:crypto';

/** The emulator's one directory: every mailbox is a work account in it. */
export const EMULATOR_TENANT_ID = '00000000-0000-4000-8000-00000000ca11';

/** A UUID-shaped object id, stable per address. */
export function objectIdFor(email: string): string {
  const hex = createHash('sha256').update(`oid:${email.toLowerCase()}`).digest('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-a${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

/** "Ada Lovelace" from ada.lovelace@example.com: a display name the way a directory would have one. */
export function displayNameFor(email: string): string {
  const local = email.split('@')[0] ?? email;
  return local
    .split(/[._-]+/)
    .filter((part) => part !== '')
    .map((part) => part.charAt(0).toUpperCase() + part.slice(1))
    .join(' ');
}
