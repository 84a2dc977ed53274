// One instance: what it is connected to, whether it is healthy, its settings, its events; turn events
// or the instance on and off, or delete it.

import { useState } from 'react';
import { ApiError, type InstancePatch } from '../api/apiClient.ts';
import type { Instance } from '../api/types.ts';
import { ConfirmDialog } from '../components/ConfirmDialog.tsx';
import { EventsPanel } from '../components/EventsPanel.tsx';
import { InstanceSettingsForm } from '../components/InstanceSettingsForm.tsx';
import { LoadProblem } from '../components/LoadProblem.tsx';
import { PollingHealthTable } from '../components/PollingHealthTable.tsx';
import { SandboxPanel } from '../components/SandboxPanel.tsx';
import { StatusBadge } from '../components/StatusBadge.tsx';
import { WebhookSecretPanel } from '../components/WebhookSecretPanel.tsx';
import { useConsole } from '../consoleContext.ts';
import { formatDate, formatInterval } from '../format.ts';
import { useApiData } from '../hooks/useApiData.ts';
import { Link, navigate } from '../router.tsx';

function InstanceActions({ instance, onChanged }: { instance: Instance; onChanged(): Promise<void> }) {
  const { api } = useConsole();
  // The instance names its element but not the element's vendor, whose grant deleting gives up.
  const element = useApiData(() => api.getElement(instance.element.key), [api, instance.element.key]);
  const vendor = element.data?.vendor ?? 'the provider';
  const [confirmingDelete, setConfirmingDelete] = useState(false);
  const [problem, setProblem] = useState('');
  const [busy, setBusy] = useState(false);

  const patch = async (change: InstancePatch) => {
    setBusy(true);
    setProblem('');
    try {
      await api.patchInstance(instance.id, change);
      await onChanged();
    } catch (error) {
      setProblem(error instanceof ApiError ? error.message : String(error));
    } finally {
      setBusy(false);
    }
  };

  const remove = async () => {
    setConfirmingDelete(false);
    setBusy(true);
    try {
      await api.deleteInstance(instance.id);
      navigate('/instances');
    } catch (error) {
      setBusy(false);
      setProblem(error instanceof ApiError ? error.message : String(error));
    }
  };

  return (
    <div className="instance-actions">
      <div className="actions">
        <button type="button" className="secondary" disabled={busy} onClick={() => void patch({ configuration: { 'event.notification.enabled': !instance.eventsEnabled } })}>
          {instance.eventsEnabled ? 'Turn events off' : 'Turn events on'}
        </button>
        <button type="button" className="secondary" disabled={busy} onClick={() => void patch({ disabled: !instance.disabled })}>
          {instance.disabled ? 'Enable instance' : 'Disable instance'}
        </button>
        <button type="button" className="danger" disabled={busy} onClick={() => setConfirmingDelete(true)}>
          Delete instance
        </button>
      </div>
      {problem ? (
        <p className="form-error" role="alert">
          {problem}
        </p>
      ) : null}
      <ConfirmDialog open={confirmingDelete} title={`Delete “${instance.name}”?`} confirmLabel="Delete" onCancel={() => setConfirmingDelete(false)} onConfirm={() => void remove()}>
        <p>
          Its polling stops, its events and their delivery history are removed, and its grant from {vendor} is given up (revoked, where {vendor}{' '}
          offers revocation). Creating it again needs a new consent.
        </p>
      </ConfirmDialog>
    </div>
  );
}

export function InstanceDetailPage({ id }: { id: number }) {
  const { api } = useConsole();
  // Polling health moves with every poll (every second in the sandbox), so it is kept live too.
  const state = useApiData(() => api.getInstance(id), [api, id], { refreshMs: 2000 });
  const instance = state.data;

  return (
    <section>
      <p className="breadcrumb">
        <Link to="/instances">Instances</Link> /
      </p>
      <h1>{instance ? instance.name : `Instance ${id}`}</h1>
      <LoadProblem state={state} what="the instance" />
      {instance ? (
        <>
          <div className="badges">
            {instance.valid ? <StatusBadge text="valid" tone="ok" /> : <StatusBadge text="invalid" tone="bad" />}
            {instance.disabled ? <StatusBadge text="disabled" tone="warn" /> : <StatusBadge text="enabled" tone="ok" />}
            {instance.eventsEnabled ? <StatusBadge text="events on" tone="ok" /> : <StatusBadge text="events off" />}
          </div>
          <dl className="facts">
            <dt>Id</dt>
            <dd>{instance.id}</dd>
            <dt>Element</dt>
            <dd>{instance.element.name}</dd>
            <dt>Account</dt>
            <dd>{instance.providerAccount ?? '—'}</dd>
            <dt>Callback URL</dt>
            <dd className="wrap">{instance.eventsNotificationCallbackUrl ?? '—'}</dd>
            <dt>Refresh interval</dt>
            <dd>{formatInterval(instance.eventsPollerRefreshInterval)}</dd>
            <dt>Tags</dt>
            <dd>{instance.tags.length ? instance.tags.join(', ') : '—'}</dd>
            <dt>Created</dt>
            <dd>{formatDate(instance.createdDate)}</dd>
          </dl>
          <InstanceActions instance={instance} onChanged={state.reload} />
          <PollingHealthTable instance={instance} />
          <SandboxPanel instances={[instance]} />
          <EventsPanel instanceId={instance.id} />
          <InstanceSettingsForm key={instance.id} instance={instance} onSaved={() => void state.reload()} />
          <WebhookSecretPanel instanceId={instance.id} />
        </>
      ) : null}
    </section>
  );
}
