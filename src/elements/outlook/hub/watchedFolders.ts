// The folders the change feed and the recovery snapshot watch, by Graph's well-known folder names:
// where a mailbox's mail lives unless its user files it elsewhere. Inbox, Sent Items, Drafts, Deleted
// Items, Archive and Junk Email: so a message arriving, sent, drafted, trashed, archived or marked as
// junk is a change the receiver hears of, and a move among them is an update, not a deletion. Left out:
// Outbox (mail passes through it on its way to Sent Items), Conversation History, the Recoverable Items
// folders (what Graph's DELETE leaves behind, which users do not see), Sync Issues and search folders.
// User-created folders are not watched: a message moved into one is DELETED for the feed.

export const WATCHED_FOLDERS = ['inbox', 'sentitems', 'drafts', 'deleteditems', 'archive', 'junkemail'] as const;
