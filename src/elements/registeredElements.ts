// The one place elements are registered: every element Changehook serves, each with the configured
// origin that replaces its provider's own (an emulator). The element object brings everything else —
// definition, OAuth parameters, account identification, hub operations, change feeds and gap
// recovery — to the registry, the hub engine, the instances and the poller. Adding an element is one
// line here (besides its folder and its emulator).

import type { ElementDefinition } from './elementDefinition.ts';
import { gmailElement } from './gmail/index.ts';
import { outlookElement } from './outlook/index.ts';

/** Configured origins that replace providers' own (DESIGN.md §3); undefined = the provider itself. */
export interface ProviderOrigins {
  /** CHANGEHOOK_GOOGLE_BASE_URL */
  googleBaseUrl?: string;
  /** CHANGEHOOK_MICROSOFT_BASE_URL */
  microsoftBaseUrl?: string;
}

export interface RegisteredElement {
  element: ElementDefinition;
  /** The origin every endpoint of the element is sent to instead of the provider's; undefined = the provider's. */
  baseUrl?: string;
}

export function registeredElements(origins: ProviderOrigins): RegisteredElement[] {
  return [
    { element: gmailElement, baseUrl: origins.googleBaseUrl },
    { element: outlookElement, baseUrl: origins.microsoftBaseUrl },
  ];
}
