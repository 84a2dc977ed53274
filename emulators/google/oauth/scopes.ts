// The OAuth scopes the emulator knows, and which of them each Gmail method accepts (from the
// "Authorization" section of every method's reference page). A token carrying none of a method's
// scopes gets 403 insufficientPermissions, as from Google.

export const SCOPES = {
  mail: 'https://mail.google.com/',
  readonly: 'https://www.googleapis.com/auth/gmail.readonly',
  modify: 'https://www.googleapis.com/auth/gmail.modify',
  send: 'https://www.googleapis.com/auth/gmail.send',
  labels: 'https://www.googleapis.com/auth/gmail.labels',
  compose: 'https://www.googleapis.com/auth/gmail.compose',
  insert: 'https://www.googleapis.com/auth/gmail.insert',
  metadata: 'https://www.googleapis.com/auth/gmail.metadata',
  openid: 'openid',
  email: 'email',
  profile: 'profile',
  userinfoEmail: 'https://www.googleapis.com/auth/userinfo.email',
  userinfoProfile: 'https://www.googleapis.com/auth/userinfo.profile',
} as const;

const DESCRIPTIONS: Record<string, string> = {
  [SCOPES.mail]: 'Read, compose, send, and permanently delete all your email from Gmail',
  [SCOPES.readonly]: 'View your email messages and settings',
  [SCOPES.modify]: 'Read, compose, and send emails from your Gmail account',
  [SCOPES.send]: 'Send email on your behalf',
  [SCOPES.labels]: 'See and edit your email labels',
  [SCOPES.compose]: 'Manage drafts and send emails',
  [SCOPES.insert]: 'Add emails into your Gmail mailbox',
  [SCOPES.metadata]: 'View your email message metadata such as labels and headers, but not the email body',
  [SCOPES.openid]: 'Associate you with your personal info on Google',
  [SCOPES.email]: 'See your primary Google Account email address',
  [SCOPES.profile]: 'See your personal info, including any personal info you\'ve made publicly available',
  [SCOPES.userinfoEmail]: 'See your primary Google Account email address',
  [SCOPES.userinfoProfile]: 'See your personal info, including any personal info you\'ve made publicly available',
};

export function isKnownScope(scope: string): boolean {
  return scope in DESCRIPTIONS;
}

export function describeScope(scope: string): string {
  return DESCRIPTIONS[scope] ?? scope;
}

/** Splits a `scope` parameter (space separated, Google also tolerates `+` and commas from old clients). */
export function parseScopeParameter(value: string): string[] {
  return [...new Set(value.split(/[\s,+]+/).filter((s) => s.length > 0))];
}

/** Whether the grant's scopes let its holder read the user's email address (id_token, tokeninfo). */
export function revealsEmail(scopes: Iterable<string>): boolean {
  for (const s of scopes) if (s === SCOPES.email || s === SCOPES.openid || s === SCOPES.userinfoEmail) return true;
  return false;
}

const { mail, readonly, modify, send, labels, compose, insert, metadata } = SCOPES;
const READ = [mail, modify, readonly, metadata] as const;
const READ_FULL = [mail, modify, readonly] as const;

/** Accepted scopes per Gmail method id (as in the API's discovery document). */
export const METHOD_SCOPES: Record<string, readonly string[]> = {
  'gmail.users.getProfile': [mail, modify, readonly, compose, metadata],
  'gmail.users.messages.list': READ,
  'gmail.users.messages.get': READ,
  'gmail.users.messages.attachments.get': READ_FULL,
  'gmail.users.messages.insert': [mail, modify, insert],
  'gmail.users.messages.import': [mail, modify, insert],
  'gmail.users.messages.send': [mail, modify, compose, send],
  'gmail.users.messages.modify': [mail, modify],
  'gmail.users.messages.trash': [mail, modify],
  'gmail.users.messages.untrash': [mail, modify],
  'gmail.users.messages.delete': [mail],
  'gmail.users.messages.batchModify': [mail, modify],
  'gmail.users.messages.batchDelete': [mail],
  'gmail.users.threads.list': READ,
  'gmail.users.threads.get': READ,
  'gmail.users.threads.modify': [mail, modify],
  'gmail.users.threads.trash': [mail, modify],
  'gmail.users.threads.untrash': [mail, modify],
  'gmail.users.threads.delete': [mail],
  'gmail.users.labels.list': [mail, modify, readonly, labels, metadata],
  'gmail.users.labels.get': [mail, modify, readonly, labels, metadata],
  'gmail.users.labels.create': [mail, modify, labels],
  'gmail.users.labels.update': [mail, modify, labels],
  'gmail.users.labels.patch': [mail, modify, labels],
  'gmail.users.labels.delete': [mail, modify, labels],
  'gmail.users.drafts.list': [mail, modify, readonly, compose],
  'gmail.users.drafts.get': [mail, modify, readonly, compose],
  'gmail.users.drafts.create': [mail, modify, compose],
  'gmail.users.drafts.update': [mail, modify, compose],
  'gmail.users.drafts.delete': [mail, modify, compose],
  'gmail.users.drafts.send': [mail, modify, compose],
  'gmail.users.history.list': READ,
};

/**
 * True when the only read access the token has is gmail.metadata: Google then refuses `q` and the
 * `full`/`raw` formats even though the method itself is allowed.
 */
export function isMetadataOnly(scopes: ReadonlySet<string>): boolean {
  return scopes.has(metadata) && !scopes.has(mail) && !scopes.has(modify) && !scopes.has(readonly);
}
