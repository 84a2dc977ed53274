// What the console keeps for the tab's session only (sessionStorage, never localStorage): the
// tenant's secrets, and the instance form waiting for the provider's redirect. Closing the tab forgets both.

import type { Credentials } from './api/apiClient.ts';
import type { FormProblem, InstanceFormValues } from './instanceForm.ts';

const CREDENTIALS_KEY = 'changehook.credentials';
const PENDING_INSTANCE_KEY = 'changehook.pendingInstance';

function read<T>(key: string): T | undefined {
  try {
    const text = window.sessionStorage.getItem(key);
    return text ? (JSON.parse(text) as T) : undefined;
  } catch {
    return undefined;
  }
}

export function loadCredentials(): Credentials | undefined {
  const saved = read<Credentials>(CREDENTIALS_KEY);
  return saved && typeof saved.userSecret === 'string' && typeof saved.organizationSecret === 'string' ? saved : undefined;
}

export function saveCredentials(credentials: Credentials): void {
  window.sessionStorage.setItem(CREDENTIALS_KEY, JSON.stringify(credentials));
}

export function forgetSession(): void {
  window.sessionStorage.removeItem(CREDENTIALS_KEY);
  window.sessionStorage.removeItem(PENDING_INSTANCE_KEY);
}

/** The form between "Create Instance" and the return from the provider, with the OAuth state it sent. */
export interface PendingInstance {
  elementKey: string;
  /** The element's vendor, whose answer the callback page waits for (e.g. Google). */
  vendor?: string;
  values: InstanceFormValues;
  /** Random; the callback accepts only a redirect carrying it (no forged or replayed redirects). */
  state?: string;
  /** Set when the round trip failed, shown when the form is reopened. */
  problem?: FormProblem;
}

export function loadPendingInstance(): PendingInstance | undefined {
  return read<PendingInstance>(PENDING_INSTANCE_KEY);
}

export function savePendingInstance(pending: PendingInstance): void {
  window.sessionStorage.setItem(PENDING_INSTANCE_KEY, JSON.stringify(pending));
}

export function clearPendingInstance(): void {
  window.sessionStorage.removeItem(PENDING_INSTANCE_KEY);
}
