// The delegated permissions the emulator knows: OpenID Connect scopes and Microsoft Graph's mail
// permissions, accepted short (`Mail.Read`) or as full resource URIs
// (`https://graph.microsoft.com/Mail.Read`), case-insensitively as Entra ID treats them. Graph routes
// ask for one of a set of permissions; a token without any gets 403 as from Graph.

export const GRAPH_RESOURCE = 'https://graph.microsoft.com/';

export const OIDC_SCOPES = ['openid', 'profile', 'email', 'offline_access'] as const;

const GRAPH_PERMISSIONS: Record<string, string> = {
  'user.read': 'Sign you in and read your profile',
  'mail.read': 'Read your mail',
  'mail.readbasic': 'Read basic mail properties',
  'mail.readwrite': 'Read and write access to your mail',
  'mail.send': 'Send mail as you',
};

const CANONICAL: Record<string, string> = {
  'user.read': 'User.Read',
  'mail.read': 'Mail.Read',
  'mail.readbasic': 'Mail.ReadBasic',
  'mail.readwrite': 'Mail.ReadWrite',
  'mail.send': 'Mail.Send',
};

const OIDC_DESCRIPTIONS: Record<string, string> = {
  openid: 'Sign you in',
  profile: 'View your basic profile',
  email: 'View your email address',
  offline_access: 'Maintain access to data you have given it access to',
};

/** A requested scope in its canonical form (`Mail.Read`, `openid`), or undefined when unknown. */
export function canonicalScope(scope: string): string | undefined {
  const lower = scope.toLowerCase();
  if (lower in OIDC_DESCRIPTIONS) return lower;
  const bare = lower.startsWith(GRAPH_RESOURCE) ? lower.slice(GRAPH_RESOURCE.length) : lower;
  if (bare === '.default') return '.default';
  return CANONICAL[bare];
}

export function parseScopeParameter(value: string): string[] {
  return value.split(/[\s+]+/).filter((s) => s !== '');
}

export function describeScope(scope: string): string {
  return OIDC_DESCRIPTIONS[scope] ?? GRAPH_PERMISSIONS[scope.toLowerCase()] ?? scope;
}

/** Graph permissions a token carries, as the `scp` claim and token response's `scope` list them. */
export function graphPermissionsOf(scopes: readonly string[]): string[] {
  const out = new Set<string>();
  for (const scope of scopes) {
    if (scope === '.default') {
      // The app's statically configured permissions; the sandbox registration has all mail ones.
      for (const p of ['User.Read', 'Mail.ReadWrite', 'Mail.Send']) out.add(p);
    } else if (!(scope in OIDC_DESCRIPTIONS)) out.add(scope);
  }
  return [...out];
}

export const READ_MAIL = ['Mail.Read', 'Mail.ReadWrite', 'Mail.ReadBasic'] as const;
export const WRITE_MAIL = ['Mail.ReadWrite'] as const;
export const SEND_MAIL = ['Mail.Send'] as const;
export const READ_USER = ['User.Read', 'Mail.Read', 'Mail.ReadWrite', 'Mail.ReadBasic', 'Mail.Send'] as const;
