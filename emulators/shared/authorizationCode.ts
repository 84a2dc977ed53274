// What both providers' authorization codes have in common (RFC 6749 §4.1, RFC 7636): a ten-minute
// lifetime, and the PKCE check of a code_verifier against the challenge the authorization request
// carried. What each provider answers when a check fails stays in its grantStore.ts.

import { createHash } from 'node:crypto';

/** How long a code can be redeemed: ten minutes, at Google and at Microsoft. */
export const AUTHORIZATION_CODE_TTL_MS = 10 * 60 * 1000;

/** Whether the verifier matches the challenge: `S256` hashes it (SHA-256, base64url), `plain` compares it as is. */
export function verifierMatchesChallenge(verifier: string, challenge: string, method: string | undefined): boolean {
  const derived = method === 'S256' ? createHash('sha256').update(verifier).digest('base64url') : verifier;
  return derived === challenge;
}
