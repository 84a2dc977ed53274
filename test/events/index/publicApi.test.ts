import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as events from '../../../src/events/index.ts';

test('the events index exposes the domain API', () => {
  for (const name of [
    'parsePollerConfiguration',
    'resourceNameFromUrl',
    'expandPollUrl',
    'validatePollUrl',
    'parseRecordDate',
    'recordFingerprint',
    'getIdField',
    'detectListingChanges',
    'classifyWindowRecords',
    'windowStart',
    'eventsFromCursorRecords',
    'eventIdFor',
    'buildNotification',
    'chunkEvents',
    'nextAttempt',
    'deliveryHeaders',
  ] as const) {
    assert.equal(typeof events[name], 'function', name);
  }
});
