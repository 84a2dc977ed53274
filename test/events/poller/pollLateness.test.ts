// Falling behind: each window (a minute) counts the polls that started more than 5 s after they were
// due, and a window in which more than 1 % of the polls were late is reported once, when the next
// window begins. Lateness is measured from the due time and is never negative.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { PollLateness, type LatenessReport } from '../../../src/events/poller/pollLateness.ts';

const START = 1_700_000_000_000;
const WINDOW_MS = 60_000;

/** A PollLateness with the defaults (5 s, one minute, 1 %) on a clock the test moves. */
function latenessOnClock(): { lateness: PollLateness; reports: LatenessReport[]; clock: { now: number }; poll(latenessMs: number): number } {
  const clock = { now: START };
  const reports: LatenessReport[] = [];
  const lateness = new PollLateness({ now: () => clock.now, onFallingBehind: (report) => reports.push(report) });
  return { lateness, reports, clock, poll: (latenessMs) => lateness.started(clock.now - latenessMs, clock.now) };
}

/** Starts `total` polls at the current time, the first `late.length` of them late by the given amounts. */
function pollsWithLate(poll: (latenessMs: number) => number, total: number, late: number[]): void {
  for (let index = 0; index < total; index += 1) poll(index < late.length ? late[index] : 0);
}

test('on-time polls never report, however many windows pass', () => {
  const { reports, clock, poll } = latenessOnClock();
  for (let window = 0; window < 5; window += 1) {
    clock.now = START + window * WINDOW_MS;
    // Up to the threshold itself a poll is on time.
    for (const latenessMs of [0, 1, 1000, 4999, 5000]) assert.equal(poll(latenessMs), latenessMs);
  }
  assert.deepEqual(reports, []);
});

test('a window with more than 1 % of late polls is reported once, when the next window begins', () => {
  const { reports, clock, poll } = latenessOnClock();
  pollsWithLate(poll, 200, [6000, 12_000, 5001]);
  clock.now = START + WINDOW_MS - 1;
  poll(0);
  assert.deepEqual(reports, [], 'nothing is reported while the window is open');

  clock.now = START + WINDOW_MS;
  poll(0);

  assert.deepEqual(reports, [{ polls: 201, late: 3, maxLatenessMs: 12_000, thresholdMs: 5000, windowMs: WINDOW_MS }]);
  pollsWithLate(poll, 50, []);
  assert.equal(reports.length, 1, 'reported once');
});

test('exactly 1 % of late polls is tolerated; more than 1 % is reported', () => {
  const exactly = latenessOnClock();
  pollsWithLate(exactly.poll, 200, [6000, 7000]);
  exactly.clock.now = START + WINDOW_MS;
  exactly.poll(0);
  assert.deepEqual(exactly.reports, []);

  const over = latenessOnClock();
  pollsWithLate(over.poll, 199, [6000, 7000]);
  over.clock.now = START + WINDOW_MS;
  over.poll(0);
  assert.deepEqual(over.reports, [{ polls: 199, late: 2, maxLatenessMs: 7000, thresholdMs: 5000, windowMs: WINDOW_MS }]);
});

test('the counts start over after a window is reported', () => {
  const { reports, clock, poll } = latenessOnClock();
  pollsWithLate(poll, 10, [20_000, 30_000]);

  // The next window begins (and reports the first) with this window's first poll.
  clock.now = START + WINDOW_MS;
  pollsWithLate(poll, 10, [6000]);
  clock.now = START + 2 * WINDOW_MS;
  pollsWithLate(poll, 10, []);
  clock.now = START + 3 * WINDOW_MS;
  poll(0);

  assert.deepEqual(reports, [
    { polls: 10, late: 2, maxLatenessMs: 30_000, thresholdMs: 5000, windowMs: WINDOW_MS },
    { polls: 10, late: 1, maxLatenessMs: 6000, thresholdMs: 5000, windowMs: WINDOW_MS },
  ]);
});

test('a poll started before its due time has a lateness of 0 and still counts', () => {
  const { lateness, reports, clock, poll } = latenessOnClock();
  assert.equal(lateness.started(clock.now + 10_000, clock.now), 0);
  assert.equal(lateness.started(clock.now + 1, clock.now), 0);
  poll(8000);
  clock.now = START + WINDOW_MS;
  poll(0);
  assert.deepEqual(reports, [{ polls: 3, late: 1, maxLatenessMs: 8000, thresholdMs: 5000, windowMs: WINDOW_MS }]);
});
