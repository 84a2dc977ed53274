// The three event types, the one list of them in src/. It lives in hubs because a hub's change feed
// (Gmail's /changed-messages) answers with them and an element may import only hubs and errors;
// events/eventTypes.ts re-exports it as the events vocabulary.

export type EventType = 'CREATED' | 'UPDATED' | 'DELETED';
export const EVENT_TYPES: readonly EventType[] = ['CREATED', 'UPDATED', 'DELETED'];
