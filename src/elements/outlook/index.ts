// The Outlook Email element module: the element object registered in src/elements/registeredElements.ts,
// and the shapes its hub answers with (messages, the change feed's records).

export { outlookElement } from './outlookElement.ts';
export type { HubMessage } from './hub/messageShape.ts';
export type { ChangedMessage } from './hub/changeMerge.ts';
