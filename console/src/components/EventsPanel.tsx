// The live events table (refreshed every 2 s) of one instance or of the whole organization: filters,
// a chart of outcomes over time, each event's attempts and payloads, and redelivery.

import { Fragment, useState } from 'react';
import { DELIVERY_STATUSES, EVENT_TYPES, type DeliveryStatus, type EventSummary, type Instance } from '../api/types.ts';
import { useConsole } from '../consoleContext.ts';
import { formatDate } from '../format.ts';
import { useApiData } from '../hooks/useApiData.ts';
import { Link } from '../router.tsx';
import { EventDetailView } from './EventDetailView.tsx';
import { EventsChart } from './EventsChart.tsx';
import { LoadProblem } from './LoadProblem.tsx';
import { StatusBadge } from './StatusBadge.tsx';

const PAGE_STEP = 50;
const MAX_PAGE = 500;
export const LIVE_REFRESH_MS = 2000;

export interface EventsPanelProps {
  /** One instance's events; undefined for the organization's. */
  instanceId?: number;
  /** Names for the organization view's instance column. */
  instances?: readonly Instance[];
}

export function EventsPanel({ instanceId, instances }: EventsPanelProps) {
  const { api } = useConsole();
  const [status, setStatus] = useState<DeliveryStatus | ''>('');
  const [eventType, setEventType] = useState('');
  const [pageSize, setPageSize] = useState(PAGE_STEP);
  const [openEventId, setOpenEventId] = useState<string>();
  const [message, setMessage] = useState('');
  const events = useApiData(() => api.listEvents(instanceId, { deliveryStatus: status, eventType, pageSize }), [api, instanceId, status, eventType, pageSize], {
    refreshMs: LIVE_REFRESH_MS,
  });
  const names = new Map(instances?.map((i) => [i.id, i.name]));

  const redeliver = async (event: EventSummary) => {
    setMessage('');
    try {
      await api.redeliverEvent(event.instanceId, event.id);
      setMessage(`Event ${event.sequence} of instance ${event.instanceId} is queued for delivery again.`);
      await events.reload();
    } catch (error) {
      setMessage(`Redelivery refused: ${(error as Error).message}`);
    }
  };

  const redeliverFailed = async () => {
    if (instanceId === undefined) return;
    setMessage('');
    try {
      const count = await api.redeliverFailed(instanceId);
      setMessage(count === 0 ? 'No failed notification to redeliver.' : `${count} failed notification${count === 1 ? '' : 's'} queued for delivery again.`);
      await events.reload();
    } catch (error) {
      setMessage(`Redelivery refused: ${(error as Error).message}`);
    }
  };

  const list = events.data?.events ?? [];
  const columns = instanceId === undefined ? 9 : 8;
  return (
    <section aria-labelledby="events-heading" className="events">
      <div className="page-head">
        <h2 id="events-heading">Events</h2>
        <span className="live" aria-hidden="true">
          live
        </span>
      </div>
      <div className="toolbar">
        <label>
          Status{' '}
          <select name="status" value={status} onChange={(e) => setStatus(e.target.value as DeliveryStatus | '')}>
            <option value="">any</option>
            {DELIVERY_STATUSES.map((s) => (
              <option key={s} value={s}>
                {s}
              </option>
            ))}
          </select>
        </label>
        <label>
          Event type{' '}
          <select name="eventType" value={eventType} onChange={(e) => setEventType(e.target.value)}>
            <option value="">any</option>
            {EVENT_TYPES.map((t) => (
              <option key={t} value={t}>
                {t}
              </option>
            ))}
          </select>
        </label>
        {instanceId !== undefined ? (
          <button type="button" className="secondary" onClick={() => void redeliverFailed()}>
            Redeliver all failed
          </button>
        ) : null}
      </div>
      <p role="status" className="status-line">
        {message}
      </p>
      <LoadProblem state={events} what="the events" />
      {events.data ? <EventsChart events={list} /> : null}
      {events.data && list.length === 0 ? (
        <p className="empty">No events{status || eventType ? ' match these filters' : ' yet: they appear here within a poll interval of a change'}.</p>
      ) : null}
      {list.length > 0 ? (
        <div className="table-scroll">
          <table className="events-table">
            <thead>
              <tr>
                <th scope="col">Created</th>
                {instanceId === undefined ? <th scope="col">Instance</th> : null}
                <th scope="col">Type</th>
                <th scope="col">Object</th>
                <th scope="col">Id</th>
                <th scope="col">Status</th>
                <th scope="col">Attempts</th>
                <th scope="col">Last response</th>
                <th scope="col">
                  <span className="offscreen">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {list.map((event) => {
                const open = openEventId === event.id;
                return (
                  <Fragment key={event.id}>
                    <tr data-event-id={event.id} data-status={event.deliveryStatus} data-event-type={event.eventType}>
                      <td>{formatDate(event.createdDate)}</td>
                      {instanceId === undefined ? (
                        <td>
                          <Link to={`/instances/${event.instanceId}`}>{names.get(event.instanceId) ?? `#${event.instanceId}`}</Link>
                        </td>
                      ) : null}
                      <td>{event.eventType}</td>
                      <td>{event.objectType}</td>
                      <td className="truncate" title={event.objectId}>
                        {event.objectId}
                      </td>
                      <td>
                        <StatusBadge text={event.deliveryStatus} />
                      </td>
                      <td>{event.attemptCount}</td>
                      <td className="truncate" title={event.lastError ?? undefined}>
                        {event.lastStatusCode ?? (event.lastError ? 'error' : '—')}
                      </td>
                      <td className="row-actions">
                        <button
                          type="button"
                          className="secondary small"
                          aria-expanded={open}
                          aria-controls={`event-detail-${event.id}`}
                          onClick={() => setOpenEventId(open ? undefined : event.id)}
                        >
                          {open ? 'Hide' : 'Details'}
                        </button>
                        <button type="button" className="secondary small" onClick={() => void redeliver(event)}>
                          Redeliver
                        </button>
                      </td>
                    </tr>
                    {open ? (
                      <tr className="detail-row" id={`event-detail-${event.id}`}>
                        <td colSpan={columns}>
                          <EventDetailView event={event} />
                        </td>
                      </tr>
                    ) : null}
                  </Fragment>
                );
              })}
            </tbody>
          </table>
        </div>
      ) : null}
      {events.data?.nextPage && pageSize < MAX_PAGE ? (
        <button type="button" className="secondary" onClick={() => setPageSize((size) => Math.min(size + PAGE_STEP, MAX_PAGE))}>
          Show {PAGE_STEP} more
        </button>
      ) : null}
    </section>
  );
}
