import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BadRequest } from '../../../src/errors/index.ts';
import {
  formatJavaPattern,
  javaPatternToDateFns,
  parseJavaPattern,
  tokenizeJavaPattern,
  validateJavaPattern,
} from '../../../src/events/poller/javaDatePattern.ts';
import { resolveTimeZone } from '../../../src/events/poller/timeZones.ts';

const instant = new Date('2024-01-02T03:04:05.006Z');
const zone = (name: string) => {
  const resolved = resolveTimeZone(name);
  assert.ok(resolved, name);
  return resolved;
};

test('the documented Java → date-fns letter mapping', () => {
  const cases: Array<[string, string]> = [
    ["yyyy-MM-dd'T'HH:mm:ss'Z'", "yyyy-MM-dd'T'HH:mm:ss'Z'"],
    ['yy', 'yy'],
    ['u', 'i'],
    ['E', 'EEE'],
    ['EEEE', 'EEEE'],
    ['MMMMM', 'MMMM'],
    ['Z', 'xx'],
    ['X XX XXX', 'X XX XXX'],
    ['z zzzz', 'O OOOO'],
    ['SSS', 'SSS'],
    ["'o''clock' h a", "'o''clock 'h a"],
    ["''", "''"],
  ];
  for (const [java, dateFns] of cases) assert.equal(javaPatternToDateFns(java), dateFns, java);
});

test('tokenize handles quoted text and the doubled-quote escape', () => {
  assert.deepEqual(tokenizeJavaPattern("hh 'o''clock' a"), [
    { kind: 'field', letter: 'h', count: 2 },
    { kind: 'literal', text: " o'clock " },
    { kind: 'field', letter: 'a', count: 1 },
  ]);
});

test('formats in UTC whatever the pattern letters', () => {
  assert.equal(formatJavaPattern(instant, "yyyy-MM-dd'T'HH:mm:ss'Z'"), '2024-01-02T03:04:05Z');
  assert.equal(formatJavaPattern(instant, 'yy/M/d H:m:s.SSS'), '24/1/2 3:4:5.006');
  assert.equal(formatJavaPattern(instant, 'EEE, dd MMM yyyy HH:mm:ss Z'), 'Tue, 02 Jan 2024 03:04:05 +0000');
  assert.equal(formatJavaPattern(instant, 'EEEE MMMM hh a u'), 'Tuesday January 03 AM 2');
  assert.equal(formatJavaPattern(instant, 'X|XX|XXX|z'), 'Z|Z|Z|UTC');
  assert.equal(formatJavaPattern(instant, "h 'o''clock'"), "3 o'clock");
  assert.equal(formatJavaPattern(instant, 'DDD'), '002');
});

test('formats the wall clock of other zones with their offsets', () => {
  assert.equal(formatJavaPattern(instant, "yyyy-MM-dd'T'HH:mm:ss.SSSXXX", zone('Asia/Kolkata')), '2024-01-02T08:34:05.006+05:30');
  assert.equal(formatJavaPattern(instant, 'yyyy-MM-dd HH:mm Z z', zone('America/New_York')), '2024-01-01 22:04 -0500 EST');
  assert.equal(formatJavaPattern(new Date('2024-07-01T12:00:00Z'), 'HH:mm X XX', zone('Europe/Paris')), '14:00 +02 +0200');
  assert.equal(formatJavaPattern(instant, 'HH:mm z', zone('GMT')), '03:04 GMT');
  assert.equal(formatJavaPattern(instant, 'HH:mm XXX z', zone('-03:30')), '23:34 -03:30 GMT-03:30');
});

test('parses with and without offsets, in a zone', () => {
  assert.equal(parseJavaPattern('2024-01-02T03:04:05Z', "yyyy-MM-dd'T'HH:mm:ss'Z'")?.toISOString(), '2024-01-02T03:04:05.000Z');
  assert.equal(parseJavaPattern('2024-01-02T08:34:05.006+0530', "yyyy-MM-dd'T'HH:mm:ss.SSSZ")?.toISOString(), instant.toISOString());
  assert.equal(parseJavaPattern('2024-01-02 08:34:05.006+05:30', 'yyyy-MM-dd HH:mm:ss.SSSXXX', zone('America/New_York'))?.toISOString(), instant.toISOString());
  assert.equal(parseJavaPattern('2024-07-02 03:04:05', 'yyyy-MM-dd HH:mm:ss', zone('Europe/Paris'))?.toISOString(), '2024-07-02T01:04:05.000Z');
  assert.equal(parseJavaPattern('02/01/2024 11:00 PM', 'dd/MM/yyyy hh:mm a')?.toISOString(), '2024-01-02T23:00:00.000Z');
  assert.equal(parseJavaPattern('not a date', 'yyyy-MM-dd'), undefined);
});

test('format and parse round-trip for a pattern with every supported letter', () => {
  const pattern = "yyyy-MM-dd'T'HH:mm:ss.SSSXXX";
  for (const name of ['UTC', 'Europe/Paris', 'America/Los_Angeles', '+09:00']) {
    const text = formatJavaPattern(instant, pattern, zone(name));
    assert.equal(parseJavaPattern(text, pattern)?.getTime(), instant.getTime(), name);
  }
});

test('unsupported letters and unterminated quotes are BadRequest', () => {
  assert.throws(() => validateJavaPattern('yyyy-WW'), (error: unknown) => error instanceof BadRequest && /unsupported letter WW/.test(error.message));
  assert.throws(() => validateJavaPattern('S'), BadRequest);
  assert.throws(() => validateJavaPattern("yyyy 'T"), /unterminated quote/);
  assert.throws(() => validateJavaPattern(' '), /must not be empty/);
  assert.throws(() => parseJavaPattern('x', 'HH z'), /use Z or X/);
});
