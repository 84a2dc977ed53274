// The Gmail element module: the element object registered in src/elements/registeredElements.ts, and
// the shapes its hub answers with (messages, threads, drafts, labels, the change feed's records).

export { gmailElement } from './gmailElement.ts';
export type { HubAttachment, HubDraft, HubLabel, HubMessage, HubThread } from './hub/messageShape.ts';
export type { ChangedMessage } from './hub/changedMessages.ts';
