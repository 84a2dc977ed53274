// GET /me: the signed-in user's profile, as Graph's user resource shows it by default.

import type { FastifyInstance } from 'fastify';
import type { EmulatorState } from '../../emulatorState.ts';
import { READ_USER } from '../../oauth/scopes.ts';
import { graphRoute } from '../graphRoute.ts';

export function registerMeRoutes(app: FastifyInstance, state: EmulatorState): void {
  graphRoute(app, state, 'GET', '', READ_USER, ({ mailbox, origin }) => {
    const [givenName = '', ...rest] = mailbox.displayName.split(' ');
    return {
      '@odata.context': `${origin}/v1.0/$metadata#users/$entity`,
      businessPhones: [],
      displayName: mailbox.displayName,
      givenName,
      jobTitle: null,
      mail: mailbox.email,
      mobilePhone: null,
      officeLocation: null,
      preferredLanguage: 'en-US',
      surname: rest.join(' '),
      userPrincipalName: mailbox.email,
      id: mailbox.objectId,
    };
  });
}
