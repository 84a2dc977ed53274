// One event opened: its delivery attempts (status, time, response) and the payloads — the envelope
// the receiver got and the provider's record — kept fresh while a delivery is under way.

import type { EventSummary } from '../api/types.ts';
import { useConsole } from '../consoleContext.ts';
import { formatDate } from '../format.ts';
import { useApiData } from '../hooks/useApiData.ts';
import { LoadProblem } from './LoadProblem.tsx';
import { StatusBadge } from './StatusBadge.tsx';

export function EventDetailView({ event }: { event: EventSummary }) {
  const { api } = useConsole();
  const detail = useApiData(() => api.getEvent(event.id), [api, event.id], { refreshMs: 2000 });
  const data = detail.data;
  return (
    <div className="event-detail" data-event-detail={event.id}>
      <LoadProblem state={detail} what="the event" />
      {data ? (
        <>
          <dl className="facts">
            <dt>Event id</dt>
            <dd>
              <code>{data.id}</code>
            </dd>
            <dt>Sequence</dt>
            <dd>{data.sequence}</dd>
            <dt>Changed at</dt>
            <dd>{formatDate(data.date)}</dd>
            <dt>Notification</dt>
            <dd>
              <code>{data.notificationId}</code> <StatusBadge text={data.deliveryStatus} />
            </dd>
            {data.nextAttemptDate ? (
              <>
                <dt>Next attempt</dt>
                <dd>{formatDate(data.nextAttemptDate)}</dd>
              </>
            ) : null}
          </dl>
          <h3>Delivery attempts</h3>
          {data.attempts.length === 0 ? (
            <p>No attempt yet.</p>
          ) : (
            <div className="table-scroll">
              <table className="attempts">
                <thead>
                  <tr>
                    <th scope="col">When</th>
                    <th scope="col">Outcome</th>
                    <th scope="col">Status</th>
                    <th scope="col">Duration</th>
                    <th scope="col">Response or error</th>
                  </tr>
                </thead>
                <tbody>
                  {data.attempts.map((attempt, i) => (
                    // biome-ignore lint/suspicious/noArrayIndexKey: attempts are append-only; two may share a millisecond
                    <tr key={`${attempt.attemptedDate}-${i}`}>
                      <td>{formatDate(attempt.attemptedDate)}</td>
                      <td>{attempt.outcome}</td>
                      <td>{attempt.statusCode ?? '—'}</td>
                      <td>{attempt.durationMs} ms</td>
                      <td className="wrap">
                        <code>{attempt.error ?? attempt.responseExcerpt ?? ''}</code>
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )}
          <details open>
            <summary>Notification (as delivered)</summary>
            <section className="payload-scroll" aria-label="Notification JSON">
              <pre className="payload">{JSON.stringify(data.notification, null, 2)}</pre>
            </section>
          </details>
          <details>
            <summary>Provider record</summary>
            <section className="payload-scroll" aria-label="Record JSON">
              <pre className="payload">{JSON.stringify(data.record, null, 2)}</pre>
            </section>
          </details>
        </>
      ) : null}
    </div>
  );
}
