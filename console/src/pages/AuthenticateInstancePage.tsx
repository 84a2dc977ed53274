// "Authenticate instance", mirroring the Cloud Elements form: the element, name, OAuth app, events
// settings and the resources to poll. The same form serves every element; only the element's vendor
// (whose consent page and OAuth app the user deals with) names the provider. Create Instance keeps the
// form for this tab and goes to the vendor's consent page; the callback page finishes the job
// (OAuthCallbackPage) or brings the user back here with the problem shown next to its field.

import { useEffect, useRef, useState, type FormEvent } from 'react';
import { ApiError } from '../api/apiClient.ts';
import type { Element } from '../api/types.ts';
import { Field, fieldInputProps } from '../components/Field.tsx';
import { LoadProblem } from '../components/LoadProblem.tsx';
import { useConsole } from '../consoleContext.ts';
import { useApiData } from '../hooks/useApiData.ts';
import {
  checkForm,
  configuredResources,
  defaultValues,
  nearestPreset,
  parsePollerJson,
  pollableResources,
  presetText,
  problemFromMessage,
  refreshPresets,
  templateResource,
  toggleResource,
  type FormProblem,
  type InstanceFormValues,
} from '../instanceForm.ts';
import { navigate, useLocation } from '../router.tsx';
import { clearPendingInstance, loadPendingInstance, savePendingInstance } from '../session.ts';

type SetValue = <K extends keyof InstanceFormValues>(key: K, value: InstanceFormValues[K]) => void;

function randomState(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}

function errorOf(problems: FormProblem[], field: keyof InstanceFormValues): string | undefined {
  return problems.find((p) => p.field === field)?.message;
}

function RefreshIntervalField({ values, set, sandbox, error }: { values: InstanceFormValues; set: SetValue; sandbox: boolean; error?: string }) {
  const presets = refreshPresets(sandbox);
  const minutes = Number(values.refreshInterval);
  const index = nearestPreset(presets, Number.isFinite(minutes) ? minutes : 15);
  const hint = sandbox ? 'Minutes. The sandbox allows down to 1 second (0.0167).' : 'Minutes between polls of each resource.';
  return (
    <Field id="refresh-interval" label="Event poller refresh interval (mins)" hint={hint} error={error}>
      <div className="slider-row">
        <input
          type="range"
          aria-label="Refresh interval slider"
          aria-valuetext={`${presetText(presets[index]!)} minutes`}
          min={0}
          max={presets.length - 1}
          step={1}
          value={index}
          onChange={(e) => set('refreshInterval', presetText(presets[Number(e.target.value)]!))}
        />
        <input
          {...fieldInputProps('refresh-interval', error, hint)}
          name="refreshInterval"
          type="text"
          inputMode="decimal"
          className="number"
          value={values.refreshInterval}
          onChange={(e) => set('refreshInterval', e.target.value)}
        />
      </div>
    </Field>
  );
}

function ResourcesField({ element, values, set, error }: { element: Element; values: InstanceFormValues; set: SetValue; error?: string }) {
  const configured = configuredResources(values.pollerJson);
  const jsonError = parsePollerJson(values.pollerJson).error;
  const template = templateResource(element);
  return (
    <>
      <fieldset className="resources">
        <legend>Resources to poll</legend>
        {pollableResources(element).map((resource) => (
          <label key={resource} className="check">
            <input
              type="checkbox"
              name="resource"
              value={resource}
              checked={configured?.has(resource) ?? false}
              disabled={configured === undefined}
              onChange={(e) => set('pollerJson', toggleResource(values.pollerJson, element, resource, e.target.checked))}
            />
            {resource}
          </label>
        ))}
        {configured === undefined ? <p className="hint">Fix the JSON below to use the checkboxes again.</p> : null}
      </fieldset>
      <details open={Boolean(error || jsonError)}>
        <summary>Advanced: poller configuration (JSON)</summary>
        <Field
          id="poller-json"
          label="event.poller.configuration"
          hint={`One entry per resource: url (the hub path) and idField.${template ? ` Checked resources are copies of ${template} with their own url.` : ''}`}
          error={error ?? (jsonError ? `This ${jsonError}` : undefined)}
        >
          <textarea
            {...fieldInputProps('poller-json', error ?? jsonError, true)}
            name="pollerJson"
            rows={8}
            spellCheck={false}
            className="code"
            value={values.pollerJson}
            onChange={(e) => set('pollerJson', e.target.value)}
          />
        </Field>
      </details>
    </>
  );
}

function InstanceForm({ element, initial, initialProblems }: { element: Element; initial: InstanceFormValues; initialProblems: FormProblem[] }) {
  const { api, config } = useConsole();
  const [values, setValues] = useState(initial);
  const [problems, setProblems] = useState<FormProblem[]>(initialProblems);
  const [busy, setBusy] = useState(false);
  const form = useRef<HTMLFormElement>(null);
  const set: SetValue = (key, value) => setValues((current) => ({ ...current, [key]: value }));

  // Put the keyboard on the first field in trouble, so its message is read and fixed first.
  // biome-ignore lint/correctness/useExhaustiveDependencies: runs on purpose each time the problems change
  useEffect(() => {
    form.current?.querySelector<HTMLElement>('[aria-invalid="true"], .form-error')?.focus();
  }, [problems]);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const found = checkForm(values, element.vendor);
    setProblems(found);
    if (found.length > 0) return;
    setBusy(true);
    try {
      const state = randomState();
      const oauthUrl = await api.oauthUrl(element.key, {
        apiKey: values.clientId.trim(),
        callbackUrl: values.redirectUri.trim(),
        state,
        ...(values.scope.trim() ? { scope: values.scope.trim() } : {}),
      });
      savePendingInstance({ elementKey: element.key, vendor: element.vendor, values, state });
      window.location.assign(oauthUrl);
    } catch (error) {
      setBusy(false);
      setProblems([error instanceof ApiError ? problemFromMessage(error.message) : { message: String(error) }]);
    }
  };

  const formProblems = problems.filter((p) => p.field === undefined);
  return (
    <form ref={form} onSubmit={submit} noValidate aria-describedby="form-problems">
      <Field id="name" label="Name" error={errorOf(problems, 'name')}>
        <input {...fieldInputProps('name', errorOf(problems, 'name'))} name="name" value={values.name} onChange={(e) => set('name', e.target.value)} />
      </Field>

      <fieldset>
        <legend>{element.vendor} app (OAuth 2.0 client)</legend>
        <Field id="client-id" label="OAuth client id" error={errorOf(problems, 'clientId')}>
          <input {...fieldInputProps('client-id', errorOf(problems, 'clientId'))} name="clientId" autoComplete="off" value={values.clientId} onChange={(e) => set('clientId', e.target.value)} />
        </Field>
        <Field id="client-secret" label="OAuth client secret" error={errorOf(problems, 'clientSecret')}>
          <input
            {...fieldInputProps('client-secret', errorOf(problems, 'clientSecret'))}
            name="clientSecret"
            type="password"
            autoComplete="off"
            value={values.clientSecret}
            onChange={(e) => set('clientSecret', e.target.value)}
          />
        </Field>
        <Field
          id="redirect-uri"
          label="OAuth callback URL (authorized redirect URI)"
          hint={`Register this exact URI in your ${element.vendor} app; it is this console's callback page.`}
          error={errorOf(problems, 'redirectUri')}
        >
          <input
            {...fieldInputProps('redirect-uri', errorOf(problems, 'redirectUri'), true)}
            name="redirectUri"
            type="url"
            value={values.redirectUri}
            onChange={(e) => set('redirectUri', e.target.value)}
          />
        </Field>
      </fieldset>

      <details open={Boolean(errorOf(problems, 'scope') || errorOf(problems, 'signatureKey'))}>
        <summary>Optional fields</summary>
        <Field id="scope" label="OAuth scope" hint="Space-separated; empty means the element's default." error={errorOf(problems, 'scope')}>
          <input {...fieldInputProps('scope', errorOf(problems, 'scope'), true)} name="scope" value={values.scope} onChange={(e) => set('scope', e.target.value)} />
        </Field>
        <Field
          id="signature-key"
          label="Callback notification signature key"
          hint="Signs each notification: Elements-Webhook-Signature: sha256=…"
          error={errorOf(problems, 'signatureKey')}
        >
          <input
            {...fieldInputProps('signature-key', errorOf(problems, 'signatureKey'), true)}
            name="signatureKey"
            type="password"
            autoComplete="off"
            value={values.signatureKey}
            onChange={(e) => set('signatureKey', e.target.value)}
          />
        </Field>
      </details>

      <fieldset>
        <legend>Events</legend>
        <label className="switch">
          <input type="checkbox" role="switch" aria-checked={values.eventsEnabled} name="eventsEnabled" checked={values.eventsEnabled} onChange={(e) => set('eventsEnabled', e.target.checked)} />
          Events Enabled
        </label>
        {errorOf(problems, 'eventsEnabled') ? (
          <p className="field-error" role="alert">
            {errorOf(problems, 'eventsEnabled')}
          </p>
        ) : null}
        {values.eventsEnabled ? (
          <>
            <Field id="callback-url" label="Event Notification Callback URL" hint="Where events are POSTed." error={errorOf(problems, 'callbackUrl')}>
              <input
                {...fieldInputProps('callback-url', errorOf(problems, 'callbackUrl'), true)}
                name="callbackUrl"
                type="url"
                placeholder={`https://example.com/webhooks/${element.key}`}
                value={values.callbackUrl}
                onChange={(e) => set('callbackUrl', e.target.value)}
              />
            </Field>
            <RefreshIntervalField values={values} set={set} sandbox={config.sandbox} error={errorOf(problems, 'refreshInterval')} />
            <ResourcesField element={element} values={values} set={set} error={errorOf(problems, 'pollerJson')} />
          </>
        ) : null}
      </fieldset>

      <Field id="tags" label="Tags" hint="Comma-separated." error={errorOf(problems, 'tags')}>
        <input {...fieldInputProps('tags', errorOf(problems, 'tags'), true)} name="tags" value={values.tags} onChange={(e) => set('tags', e.target.value)} />
      </Field>

      <div id="form-problems">
        {formProblems.map((problem) => (
          <p key={problem.message} className="form-error" role="alert" tabIndex={-1}>
            {problem.message}
          </p>
        ))}
      </div>
      <div className="actions">
        <button type="submit" disabled={busy}>
          {busy ? `Going to ${element.vendor}…` : 'Create Instance'}
        </button>
        <button
          type="button"
          className="secondary"
          onClick={() => {
            clearPendingInstance();
            setValues(defaultValues(element, config, window.location.origin));
            setProblems([]);
          }}
        >
          Start over
        </button>
      </div>
    </form>
  );
}

/** Which element the instance is of: every element the server has, by name, with its vendor. */
function ElementChooser({ elements, chosen }: { elements: readonly Element[]; chosen?: string }) {
  return (
    <fieldset className="element-chooser">
      <legend>Element</legend>
      {elements.map((element) => (
        <label key={element.key} className="check">
          <input
            type="radio"
            name="element"
            value={element.key}
            checked={element.key === chosen}
            onChange={() => navigate(`/instances/new?element=${encodeURIComponent(element.key)}`, { replace: true })}
          />
          {element.name} <span className="hint">({element.vendor})</span>
        </label>
      ))}
    </fieldset>
  );
}

export function AuthenticateInstancePage() {
  const { api, config } = useConsole();
  const { query } = useLocation();
  const pending = loadPendingInstance();
  const elements = useApiData(() => api.listElements(), [api]);
  const elementKey = query.get('element') ?? pending?.elementKey ?? elements.data?.[0]?.key;
  const element = elements.data?.find((candidate) => candidate.key === elementKey);
  const restore = pending && pending.elementKey === elementKey ? pending : undefined;

  return (
    <section>
      <h1>Authenticate instance{element ? `: ${element.name}` : ''}</h1>
      <p>
        Connect one account by OAuth, turn on events, choose the resources to poll, and click <strong>Create Instance</strong>. You will sign in
        with {element?.vendor ?? 'the provider'} and come back here.
      </p>
      <LoadProblem state={elements} what="the elements" />
      {elements.data ? <ElementChooser elements={elements.data} chosen={element?.key} /> : null}
      {elements.data && !element ? (
        <p className="form-error" role="alert">
          No element with the key <code>{elementKey}</code>. Choose one of the elements above.
        </p>
      ) : null}
      {element ? (
        <InstanceForm
          key={element.key}
          element={element}
          initial={restore?.values ?? defaultValues(element, config, window.location.origin)}
          initialProblems={restore?.problem ? [restore.problem] : []}
        />
      ) : null}
    </section>
  );
}
