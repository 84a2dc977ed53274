// The organization's instances at a glance: account, validity, events, polling trouble.

import type { PollingDisabledInstance } from '../api/types.ts';
import { LoadProblem } from '../components/LoadProblem.tsx';
import { StatusBadge } from '../components/StatusBadge.tsx';
import { useConsole } from '../consoleContext.ts';
import { formatDate, formatInterval } from '../format.ts';
import { useApiData } from '../hooks/useApiData.ts';
import { Link } from '../router.tsx';

export function InstancesPage() {
  const { api } = useConsole();
  const state = useApiData(async () => {
    const [instances, pollingDisabled] = await Promise.all([api.listInstances(), api.get<PollingDisabledInstance[]>('/instances/polling-disabled')]);
    return { instances, pollingDisabled: new Map(pollingDisabled.map((p) => [p.id, p.reason])) };
  }, [api], { refreshMs: 10_000 });

  return (
    <section>
      <div className="page-head">
        <h1>Instances</h1>
        <Link className="button" to="/instances/new">
          Authenticate instance
        </Link>
      </div>
      <LoadProblem state={state} what="the instances" />
      {state.data && state.data.instances.length === 0 ? (
        <p className="empty">
          No instances yet. <Link to="/instances/new">Authenticate one</Link> to start receiving events.
        </p>
      ) : null}
      {state.data && state.data.instances.length > 0 ? (
        <div className="table-scroll">
          <table className="instances">
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Id</th>
                <th scope="col">Account</th>
                <th scope="col">State</th>
                <th scope="col">Events</th>
                <th scope="col">Tags</th>
                <th scope="col">Created</th>
              </tr>
            </thead>
            <tbody>
              {state.data.instances.map((instance) => {
                const pollingDisabled = state.data!.pollingDisabled.has(instance.id);
                return (
                  <tr key={instance.id} data-instance-id={instance.id}>
                    <td>
                      <Link to={`/instances/${instance.id}`}>{instance.name}</Link>
                    </td>
                    <td>{instance.id}</td>
                    <td>{instance.providerAccount ?? '—'}</td>
                    <td>
                      {instance.valid ? <StatusBadge text="valid" tone="ok" /> : <StatusBadge text="invalid" tone="bad" />}{' '}
                      {instance.disabled ? <StatusBadge text="disabled" tone="warn" /> : null}{' '}
                      {pollingDisabled ? <StatusBadge text="polling disabled" tone="bad" /> : null}
                    </td>
                    <td>{instance.eventsEnabled ? `on, every ${formatInterval(instance.eventsPollerRefreshInterval)}` : 'off'}</td>
                    <td>{instance.tags.join(', ')}</td>
                    <td>{formatDate(instance.createdDate)}</td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      ) : null}
    </section>
  );
}
