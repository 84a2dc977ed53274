// Polling health as the API shows it: per instance, whether polling is disabled (and why), whether the
// callback answered 410 Gone, and each resource's schedule (baseline, last poll and success, next poll,
// last error, consecutive failures); and the organization's instances whose polling is disabled.

import type { Kysely } from 'kysely';
import type { Database } from '../../store/index.ts';
import type { Caller } from '../../tenants/index.ts';
import { PAUSED_AT } from '../poller/index.ts';
import { isoDate } from './eventQueries.ts';

export interface PollingHealth {
  disabled: boolean;
  disabledReason: string | null;
  callbackGone: boolean;
  resources: {
    resource: string;
    baselineDate: string | null;
    lastPollDate: string | null;
    lastSuccessDate: string | null;
    nextPollDate: string | null;
    lastError: string | null;
    consecutiveFailures: number;
  }[];
}

export class PollingHealthQueries {
  constructor(private readonly deps: { db: Kysely<Database> }) {}

  async pollingHealth(instanceId: number, row: { polling_disabled: number; polling_disabled_reason: string | null; callback_gone: number }): Promise<PollingHealth> {
    const schedules = await this.deps.db.selectFrom('poll_schedules').selectAll().where('instance_id', '=', instanceId).orderBy('resource').execute();
    return {
      disabled: row.polling_disabled === 1,
      disabledReason: row.polling_disabled_reason,
      callbackGone: row.callback_gone === 1,
      resources: schedules.map((s) => ({
        resource: s.resource,
        baselineDate: isoDate(s.baseline_at),
        lastPollDate: isoDate(s.last_poll_at),
        lastSuccessDate: isoDate(s.last_success_at),
        nextPollDate: s.next_run_at === PAUSED_AT ? null : isoDate(s.next_run_at),
        lastError: s.last_error,
        consecutiveFailures: s.consecutive_failures,
      })),
    };
  }

  async pollingDisabled(caller: Caller): Promise<{ id: number; name: string; reason: string | null }[]> {
    const rows = await this.deps.db
      .selectFrom('instances')
      .select(['id', 'name', 'polling_disabled_reason'])
      .where('organization_id', '=', caller.organizationId)
      .where('polling_disabled', '=', 1)
      .orderBy('id')
      .execute();
    return rows.map((r) => ({ id: r.id, name: r.name, reason: r.polling_disabled_reason }));
  }
}
