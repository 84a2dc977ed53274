import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BadRequest } from '../../../src/errors/index.ts';
import { expandPollUrl, placeholdersIn, validatePollUrl } from '../../../src/events/poller/urlPlaceholders.ts';

const windowStart = new Date('2024-01-02T03:04:05.678Z');

test('expands every placeholder kind from the window start', () => {
  const url = "/hubs/general/messages?after=${gmtDate:yyyy-MM-dd'T'HH:mm:ss'Z'}&ms=${epoch}&s=${epoch:s}&us=${epoch:us}";
  assert.equal(
    expandPollUrl(url, { windowStart, encode: false }),
    '/hubs/general/messages?after=2024-01-02T03:04:05Z&ms=1704164645678&s=1704164645&us=1704164645678000',
  );
});

test('values are percent-encoded by default so + and : survive the query string', () => {
  assert.equal(
    expandPollUrl('/hubs/general/x?since=${date:yyyy-MM-dd HH:mmXXX}', { windowStart, timeZone: 'Asia/Kolkata' }),
    '/hubs/general/x?since=2024-01-02%2008%3A34%2B05%3A30',
  );
  assert.equal(expandPollUrl('/hubs/general/x?d=${date:yyyy-MM-dd HH:mm}', { windowStart, encode: false }), '/hubs/general/x?d=2024-01-02 03:04');
  assert.equal(expandPollUrl('/hubs/general/x', { windowStart }), '/hubs/general/x');
});

test('validatePollUrl names the bad placeholder and the field', () => {
  const invalid = (url: string, pattern: RegExp) =>
    assert.throws(() => validatePollUrl(url, 'event.poller.configuration.m.url'), (error: unknown) =>
      error instanceof BadRequest && error.message.startsWith('event.poller.configuration.m.url') && pattern.test(error.message));
  invalid('/hubs/general/m?x=${now}', /unknown placeholder \$\{now\}/);
  invalid('/hubs/general/m?x=${epoch:ns}', /\$\{epoch:ns\}/);
  invalid('/hubs/general/m?x=${gmtDate:}', /needs a date pattern/);
  invalid('/hubs/general/m?x=${gmtDate:yyyy-WW}', /\$\{gmtDate:yyyy-WW\}.*unsupported letter WW/);
  invalid('/hubs/general/m?x=${epoch', /unclosed placeholder/);
  validatePollUrl("/hubs/general/m?x=${gmtDate:yyyy-MM-dd'T'HH:mm:ss'Z'}&y=${epoch:s}&z=${date:EEE}");
  assert.deepEqual(placeholdersIn('/a/${epoch}/${date:yyyy}'), ['epoch', 'date:yyyy']);
});
