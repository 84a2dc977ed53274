// The element as Cloud Elements embeds it in an instance (`instance.element`): our four fields of
// DESIGN.md §2 (id, key, name, hub) plus the summary CE's instance examples show (description,
// active, deleted, typeOauth, trialAccount, authentication, elementProvisionType), filled only with
// what is true of our elements.

import type { ElementDefinition } from '../elements/index.ts';

export interface ElementSummary {
  id: number;
  key: string;
  name: string;
  hub: string;
  description: string;
  active: boolean;
  deleted: boolean;
  typeOauth: boolean;
  trialAccount: boolean;
  authentication: { type: string };
  elementProvisionType: string;
}

export function elementSummary(element: ElementDefinition): ElementSummary {
  return {
    id: element.id,
    key: element.key,
    name: element.name,
    hub: element.hub,
    description: element.description,
    active: true,
    deleted: false,
    // Every element is OAuth 2.0 (ElementDefinition allows no other type yet).
    typeOauth: element.authentication.type === 'oauth2',
    trialAccount: false,
    authentication: { type: element.authentication.type },
    // CE's name for "provisioned by an OAuth redirect and a code exchange".
    elementProvisionType: 'OAUTH_TEMPLATE',
  };
}
