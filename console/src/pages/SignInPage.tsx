// Sign in with the user and organization secrets (the start-up banner prints them). They are checked
// against the API before anything is kept, and kept for this tab only.

import { useState, type FormEvent } from 'react';
import { ApiClient, ApiError, type Credentials } from '../api/apiClient.ts';
import { Field, fieldInputProps } from '../components/Field.tsx';

/** "Authorization: User …, Organization …" pasted whole into either field is understood. */
function parseAuthorizationLine(text: string): Credentials | undefined {
  const user = /User\s+([^\s,]+)/.exec(text);
  const organization = /Organization\s+([^\s,]+)/.exec(text);
  return user?.[1] && organization?.[1] ? { userSecret: user[1], organizationSecret: organization[1] } : undefined;
}

export function SignInPage({ onSignedIn }: { onSignedIn(credentials: Credentials): void }) {
  const [userSecret, setUserSecret] = useState('');
  const [organizationSecret, setOrganizationSecret] = useState('');
  const [errors, setErrors] = useState<{ user?: string; organization?: string; form?: string }>({});
  const [busy, setBusy] = useState(false);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const pasted = parseAuthorizationLine(userSecret) ?? parseAuthorizationLine(organizationSecret);
    const credentials = pasted ?? { userSecret: userSecret.trim(), organizationSecret: organizationSecret.trim() };
    if (pasted) {
      setUserSecret(pasted.userSecret);
      setOrganizationSecret(pasted.organizationSecret);
    }
    const missing = {
      user: credentials.userSecret ? undefined : 'The user secret is required.',
      organization: credentials.organizationSecret ? undefined : 'The organization secret is required.',
    };
    if (missing.user || missing.organization) {
      setErrors(missing);
      return;
    }
    setBusy(true);
    setErrors({});
    try {
      await new ApiClient(credentials).listInstances();
      onSignedIn(credentials);
    } catch (error) {
      if (error instanceof ApiError && error.status === 401) {
        const message = `Not accepted: ${error.message}. Check both secrets.`;
        setErrors({ user: message, organization: message });
      } else {
        setErrors({ form: error instanceof Error ? error.message : String(error) });
      }
    } finally {
      setBusy(false);
    }
  };

  return (
    <section className="narrow">
      <h1>Sign in</h1>
      <p>
        Use the secrets Changehook printed at its first start (the <code>Authorization: User …, Organization …</code> line — you can paste the
        whole line). They stay in this tab only.
      </p>
      <form onSubmit={submit} noValidate>
        <Field id="user-secret" label="User secret" error={errors.user}>
          <input {...fieldInputProps('user-secret', errors.user)} name="userSecret" type="password" autoComplete="off" value={userSecret} onChange={(e) => setUserSecret(e.target.value)} />
        </Field>
        <Field id="organization-secret" label="Organization secret" error={errors.organization}>
          <input
            {...fieldInputProps('organization-secret', errors.organization)}
            name="organizationSecret"
            type="password"
            autoComplete="off"
            value={organizationSecret}
            onChange={(e) => setOrganizationSecret(e.target.value)}
          />
        </Field>
        {errors.form ? (
          <p className="form-error" role="alert">
            {errors.form}
          </p>
        ) : null}
        <div className="actions">
          <button type="submit" disabled={busy}>
            {busy ? 'Signing in…' : 'Sign in'}
          </button>
        </div>
      </form>
    </section>
  );
}
