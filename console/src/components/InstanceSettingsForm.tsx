// Edits an instance with PATCH: only what changed is sent (configuration keys are merged server-side,
// so untouched secrets stay as they are). Errors are shown next to the field they name.

import { useState, type FormEvent } from 'react';
import { ApiError, type InstancePatch } from '../api/apiClient.ts';
import type { Instance } from '../api/types.ts';
import { useConsole } from '../consoleContext.ts';
import { configurationKeyOf, parsePollerJson, parseTags } from '../instanceForm.ts';
import { Field, fieldInputProps } from './Field.tsx';

interface SettingsValues {
  name: string;
  tags: string;
  callbackUrl: string;
  refreshInterval: string;
  signatureKey: string;
  pollerJson: string;
}

function valuesOf(instance: Instance): SettingsValues {
  const poller = instance.configuration['event.poller.configuration'];
  let pollerJson = poller ?? '';
  try {
    if (poller) pollerJson = JSON.stringify(JSON.parse(poller), null, 2);
  } catch {
    // shown as stored
  }
  return {
    name: instance.name,
    tags: instance.tags.join(', '),
    callbackUrl: instance.eventsNotificationCallbackUrl ?? '',
    refreshInterval: instance.configuration['event.poller.refresh_interval'] ?? String(instance.eventsPollerRefreshInterval ?? ''),
    signatureKey: '',
    pollerJson,
  };
}

/** Which input shows an error about a configuration key (or name/tags). */
const INPUT_OF_KEY: Record<string, keyof SettingsValues> = {
  name: 'name',
  tags: 'tags',
  'event.notification.callback.url': 'callbackUrl',
  'event.poller.refresh_interval': 'refreshInterval',
  'event.notification.signature.key': 'signatureKey',
  'event.poller.configuration': 'pollerJson',
};

export function InstanceSettingsForm({ instance, onSaved }: { instance: Instance; onSaved(instance: Instance): void }) {
  const { api } = useConsole();
  const [saved, setSaved] = useState(() => valuesOf(instance));
  const [values, setValues] = useState(saved);
  const [errors, setErrors] = useState<Partial<Record<keyof SettingsValues | 'form', string>>>({});
  const [status, setStatus] = useState('');
  const set = (key: keyof SettingsValues, value: string) => setValues((current) => ({ ...current, [key]: value }));

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setStatus('');
    const poller = parsePollerJson(values.pollerJson);
    if (poller.error) {
      setErrors({ pollerJson: `The poller configuration ${poller.error}` });
      return;
    }
    const patch: InstancePatch = {};
    const configuration: NonNullable<InstancePatch['configuration']> = {};
    if (values.name !== saved.name) patch.name = values.name;
    if (values.tags !== saved.tags) patch.tags = parseTags(values.tags);
    if (values.callbackUrl !== saved.callbackUrl) configuration['event.notification.callback.url'] = values.callbackUrl.trim();
    if (values.refreshInterval !== saved.refreshInterval) configuration['event.poller.refresh_interval'] = values.refreshInterval.trim();
    if (values.signatureKey) configuration['event.notification.signature.key'] = values.signatureKey;
    if (values.pollerJson !== saved.pollerJson && poller.value) configuration['event.poller.configuration'] = poller.value;
    if (Object.keys(configuration).length > 0) patch.configuration = configuration;
    if (Object.keys(patch).length === 0) {
      setStatus('Nothing changed.');
      return;
    }
    try {
      const updated = await api.patchInstance(instance.id, patch);
      const next = valuesOf(updated);
      setSaved(next);
      setValues(next);
      setErrors({});
      setStatus('Saved.');
      onSaved(updated);
    } catch (error) {
      const message = error instanceof ApiError ? error.message : String(error);
      const key = configurationKeyOf(message);
      const input = key ? INPUT_OF_KEY[key] : undefined;
      setErrors(input ? { [input]: message } : { form: message });
    }
  };

  const input = (key: keyof SettingsValues, id: string, hint?: boolean) => ({
    ...fieldInputProps(id, errors[key], hint),
    name: key,
    value: values[key],
    onChange: (e: { target: { value: string } }) => set(key, e.target.value),
  });

  return (
    <section aria-labelledby="settings-heading">
      <h2 id="settings-heading">Settings</h2>
      <form onSubmit={submit} noValidate className="settings">
        <Field id="settings-name" label="Name" error={errors.name}>
          <input {...input('name', 'settings-name')} />
        </Field>
        <Field id="settings-tags" label="Tags" hint="Comma-separated." error={errors.tags}>
          <input {...input('tags', 'settings-tags', true)} />
        </Field>
        <Field id="settings-callback-url" label="Event Notification Callback URL" error={errors.callbackUrl}>
          <input type="url" {...input('callbackUrl', 'settings-callback-url')} />
        </Field>
        <Field id="settings-refresh-interval" label="Event poller refresh interval (mins)" error={errors.refreshInterval}>
          <input inputMode="decimal" className="number" {...input('refreshInterval', 'settings-refresh-interval')} />
        </Field>
        <Field id="settings-signature-key" label="New callback notification signature key" hint="Leave empty to keep the current key." error={errors.signatureKey}>
          <input type="password" autoComplete="off" {...input('signatureKey', 'settings-signature-key', true)} />
        </Field>
        <Field id="settings-poller-json" label="Poller configuration (JSON)" error={errors.pollerJson}>
          <textarea rows={7} spellCheck={false} className="code" {...input('pollerJson', 'settings-poller-json')} />
        </Field>
        {errors.form ? (
          <p className="form-error" role="alert">
            {errors.form}
          </p>
        ) : null}
        <div className="actions">
          <button type="submit">Save settings</button>
          <span role="status">{status}</span>
        </div>
      </form>
    </section>
  );
}
