// The outbox's public face (DESIGN.md §4, change capture): what the poller hands over — one poll page's
// events, notifications, cursor and fingerprints, committed in one transaction while the lease is held —
// and what it reads back (the fingerprints to diff against).

export { commitPoll, LeaseLost, type PollCommit, type CommittedCapture, type CaptureListener } from './pollCommit.ts';
export { loadFingerprints, type FingerprintWrite } from './fingerprints.ts';
