// The Gmail element's general hub: every operation of /hubs/general for Gmail instances.

import { ok, type HubOperation } from '../../../hubs/index.ts';
import { changedMessagesOperation } from './changedMessages.ts';
import { draftOperations } from './draftOperations.ts';
import { GmailApi } from './gmailApi.ts';
import { pingSchema } from './gmailSchemas.ts';
import { labelOperations } from './labelOperations.ts';
import { messageOperations } from './messageOperations.ts';
import { messageStatesOperation } from './messageStates.ts';
import { threadOperations } from './threadOperations.ts';

const pingOperation: HubOperation = {
  method: 'GET',
  path: '/ping',
  tag: 'ping',
  summary: "Check that the instance's Google account answers (users.getProfile, 1 unit)",
  schema: { response: pingSchema },
  async handle(context) {
    const profile = await new GmailApi(context.provider).profile();
    return ok({
      endpoint: 'gmail',
      emailAddress: profile.emailAddress,
      ...(profile.messagesTotal !== undefined ? { messagesTotal: profile.messagesTotal } : {}),
      ...(profile.threadsTotal !== undefined ? { threadsTotal: profile.threadsTotal } : {}),
      historyId: profile.historyId,
    });
  },
};

export const gmailHubOperations: readonly HubOperation[] = [
  pingOperation,
  changedMessagesOperation,
  messageStatesOperation,
  ...messageOperations,
  ...threadOperations,
  ...labelOperations,
  ...draftOperations,
];
