// Where the element's vendor sends the browser back (?code=&state= or ?error=). With the form this tab kept, it
// creates the instance and shows its id and token once; any refusal goes back to the form, next to
// the field at fault.

import { useEffect, useState } from 'react';
import { ApiError } from '../api/apiClient.ts';
import type { Instance } from '../api/types.ts';
import { CopyButton } from '../components/CopyButton.tsx';
import { useConsole } from '../consoleContext.ts';
import { createBody, problemFromMessage, type FormProblem } from '../instanceForm.ts';
import { Link, navigate, useLocation } from '../router.tsx';
import { clearPendingInstance, loadPendingInstance, savePendingInstance } from '../session.ts';

type Outcome = { kind: 'working' } | { kind: 'created'; instance: Instance } | { kind: 'lost' };

/** Who answers when the form this tab kept does not say (the vendor of its element, e.g. Google). */
const PROVIDER = 'the provider';

/** An authorization code is single-use; StrictMode's double effects must not spend it twice. */
const spentCodes = new Set<string>();

export function OAuthCallbackPage() {
  const { api } = useConsole();
  const { query } = useLocation();
  const [outcome, setOutcome] = useState<Outcome>({ kind: 'working' });
  const [vendor] = useState(() => loadPendingInstance()?.vendor ?? PROVIDER);
  // The redirect's parameters as the page was opened: the URL is cleaned once the code is spent, and
  // that must not read as a second, empty redirect.
  const [redirect] = useState(() => ({
    code: query.get('code'),
    error: query.get('error'),
    errorDescription: query.get('error_description'),
    state: query.get('state'),
  }));
  const { code, error, state } = redirect;

  useEffect(() => {
    const pending = loadPendingInstance();
    if (code !== null && spentCodes.has(code)) return;
    if (!pending || (code === null && error === null)) {
      setOutcome({ kind: 'lost' });
      return;
    }
    const backToForm = (problem: FormProblem) => {
      savePendingInstance({ ...pending, state: undefined, problem });
      navigate(`/instances/new?element=${encodeURIComponent(pending.elementKey)}`, { replace: true });
    };
    if (state !== pending.state) {
      backToForm({ message: `The answer from ${vendor} does not belong to the request this tab made (state differs). Click Create Instance to try again.` });
      return;
    }
    if (error !== null) {
      const description = redirect.errorDescription;
      const refused = error === 'access_denied' ? 'Access was refused on the consent page' : `${vendor} did not grant access`;
      backToForm({ message: `${refused} (${error}${description ? `: ${description}` : ''}). Click Create Instance to try again.` });
      return;
    }
    spentCodes.add(code!);
    api.createInstance(createBody(pending.elementKey, pending.values, code!)).then(
      (instance) => {
        clearPendingInstance();
        // The code is spent; keep it out of the history and of a reload.
        window.history.replaceState(null, '', window.location.pathname);
        setOutcome({ kind: 'created', instance });
      },
      (failure: unknown) => {
        const message = failure instanceof ApiError ? failure.message : String(failure);
        const problem = problemFromMessage(message);
        // The code is used up whatever the server said: the fix needs a new consent.
        backToForm({ ...problem, message: `${problem.message} — fix it and click Create Instance to sign in again.` });
      },
    );
  }, [api, redirect, code, error, state, vendor]);

  if (outcome.kind === 'lost') {
    return (
      <section className="narrow">
        <h1>Nothing to finish</h1>
        <p>
          This tab has no instance waiting for {vendor}'s answer (it was created already, or was started in another tab).{' '}
          <Link to="/instances/new">Authenticate an instance</Link> or see the <Link to="/instances">instances</Link>.
        </p>
      </section>
    );
  }
  if (outcome.kind === 'working') {
    return (
      <section className="narrow">
        <h1>Creating the instance…</h1>
        <p role="status">Exchanging {vendor}'s authorization code.</p>
      </section>
    );
  }
  const { instance } = outcome;
  return (
    <section className="narrow">
      <h1>Instance created</h1>
      <p>
        <strong>{instance.name}</strong> is connected{instance.providerAccount ? ` to ${instance.providerAccount}` : ''}. Save its id and token now: the
        token authenticates hub calls as <code>Element &lt;token&gt;</code> and this page shows it once.
      </p>
      <dl className="secrets">
        <dt>Instance id</dt>
        <dd>
          <code data-testid="created-instance-id">{instance.id}</code> <CopyButton value={String(instance.id)} label="id" />
        </dd>
        <dt>Token</dt>
        <dd>
          <code data-testid="created-instance-token" className="wrap">
            {instance.token}
          </code>{' '}
          <CopyButton value={instance.token} label="token" />
        </dd>
      </dl>
      <div className="actions">
        <Link className="button" to={`/instances/${instance.id}`}>
          Open the instance
        </Link>
      </div>
    </section>
  );
}
