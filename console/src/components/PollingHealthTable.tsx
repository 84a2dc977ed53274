// How an instance's polling is doing, per resource: last and next poll, last error, failures in a row.

import type { Instance } from '../api/types.ts';
import { formatDate, relativeTime } from '../format.ts';
import { StatusBadge } from './StatusBadge.tsx';

export function PollingHealthTable({ instance }: { instance: Instance }) {
  const health = instance.eventsPolling;
  return (
    <section aria-labelledby="polling-health">
      <h2 id="polling-health">Polling health</h2>
      {!instance.valid ? (
        <p className="form-error" role="alert">
          The instance is not valid: {instance.invalidReason ?? 'the provider refused its grant'}. Polling is paused until it is authenticated again.
        </p>
      ) : null}
      {health?.disabled ? (
        <p className="form-error" role="alert">
          Polling was disabled: {health.disabledReason ?? 'too many failed polls'}. Saving the settings below enables it again.
        </p>
      ) : null}
      {health?.callbackGone ? (
        <p className="form-error" role="alert">
          The callback URL answered 410 Gone; deliveries wait until the callback URL is changed.
        </p>
      ) : null}
      {!instance.eventsEnabled ? <p>Events are off for this instance: nothing is polled.</p> : null}
      {health && health.resources.length > 0 ? (
        <div className="table-scroll">
          <table>
            <thead>
              <tr>
                <th scope="col">Resource</th>
                <th scope="col">State</th>
                <th scope="col">Last poll</th>
                <th scope="col">Last success</th>
                <th scope="col">Next poll</th>
                <th scope="col">Last error</th>
              </tr>
            </thead>
            <tbody>
              {health.resources.map((r) => (
                <tr key={r.resource}>
                  <td>
                    <code>{r.resource}</code>
                  </td>
                  <td>
                    {r.consecutiveFailures > 0 ? (
                      <StatusBadge text={`${r.consecutiveFailures} failed in a row`} tone="bad" />
                    ) : r.lastPollDate ? (
                      <StatusBadge text="healthy" tone="ok" />
                    ) : (
                      <StatusBadge text="waiting for first poll" />
                    )}
                  </td>
                  <td title={formatDate(r.lastPollDate)}>{relativeTime(r.lastPollDate)}</td>
                  <td title={formatDate(r.lastSuccessDate)}>{relativeTime(r.lastSuccessDate)}</td>
                  <td title={formatDate(r.nextPollDate)}>{r.nextPollDate ? relativeTime(r.nextPollDate) : 'paused'}</td>
                  <td className="wrap">{r.lastError ?? '—'}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : null}
    </section>
  );
}
