// The Outlook Email element's general hub: every operation of /hubs/general for Outlook instances.

import { ok, type HubOperation } from '../../../hubs/index.ts';
import { changedMessagesOperation } from './changedMessages.ts';
import { folderOperations } from './folderOperations.ts';
import { GraphApi } from './graphApi.ts';
import { messageOperations } from './messageOperations.ts';
import { messageStatesOperation } from './messageStates.ts';
import { pingSchema } from './outlookSchemas.ts';

const pingOperation: HubOperation = {
  method: 'GET',
  path: '/ping',
  tag: 'ping',
  summary: "Check that the instance's Microsoft account answers (GET /me)",
  schema: { response: pingSchema },
  async handle(context) {
    const me = await new GraphApi(context.provider).me();
    return ok({ endpoint: 'outlookemail', id: me.id, displayName: me.displayName ?? null, mail: me.mail ?? null, userPrincipalName: me.userPrincipalName ?? null });
  },
};

export const outlookHubOperations: readonly HubOperation[] = [pingOperation, changedMessagesOperation, messageStatesOperation, ...messageOperations, ...folderOperations];
