// The hub's plain functions, without servers: retry schedule, provider error reading, CEQL, the batch
// wire format, history collation, cursors, the message shape and path matching.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { BadRequest } from '../../src/errors/index.ts';
import { decodeBatchResponse, encodeBatchRequest } from '../../src/elements/gmail/batch/batchMultipart.ts';
import { parseCeql } from '../../src/hubs/ceql.ts';
import { KeyedConcurrencyLimiter } from '../../src/hubs/concurrencyLimiter.ts';
import { readGoogleError } from '../../src/elements/gmail/googleErrors.ts';
import { decodeCursor, encodeCursor } from '../../src/elements/gmail/hub/changeCursor.ts';
import { collateHistory } from '../../src/elements/gmail/hub/historyChanges.ts';
import { gmailListFilter, historyLabelFilter } from '../../src/elements/gmail/hub/listFilters.ts';
import { normalizeMessage } from '../../src/elements/gmail/hub/messageShape.ts';
import { classifyFailure, providerAnswerError } from '../../src/hubs/providerErrors.ts';
import { QueryParameters } from '../../src/hubs/queryParameters.ts';
import { retryDelayMs } from '../../src/hubs/retryPolicy.ts';
import { compilePattern, matchPattern } from '../../src/hubs/routeMatcher.ts';

const options = { maxRetries: 3, baseDelayMs: 100, maxDelayMs: 1000 };

describe('retry schedule', () => {
  it('backs off exponentially with jitter between half and the full step', () => {
    assert.equal(retryDelayMs(0, undefined, options, () => 0), 50);
    assert.equal(retryDelayMs(0, undefined, options, () => 1), 100);
    assert.equal(retryDelayMs(2, undefined, options, () => 1), 400);
  });
  it('gives up after the last retry', () => {
    assert.equal(retryDelayMs(3, undefined, options, () => 0.5), undefined);
  });
  it('waits at least Retry-After, and gives up when Retry-After exceeds the cap', () => {
    assert.equal(retryDelayMs(0, 700, options, () => 0), 700);
    assert.equal(retryDelayMs(0, 1001, options, () => 0), undefined);
  });
});

describe('provider errors', () => {
  const google = (code: number, reason: string, message = 'msg') => Buffer.from(JSON.stringify({ error: { code, message, errors: [{ reason, message }] } }));
  /** What Gmail's reader makes of an error answer with this reason. */
  const said = (reason: string, message: string) => readGoogleError(google(400, reason, message));

  it('reads Google API and OAuth error bodies, and nothing from HTML', () => {
    assert.deepEqual(readGoogleError(google(404, 'notFound', 'Requested entity was not found.')), { message: 'Requested entity was not found.', reason: 'notFound' });
    assert.deepEqual(readGoogleError('{"error":"invalid_grant","error_description":"Token has been expired or revoked."}'), {
      message: 'Token has been expired or revoked.',
      reason: 'invalid_grant',
    });
    assert.equal(readGoogleError('<html>502</html>'), undefined);
  });

  it('classifies rate limits (429 and 403 rate reasons), outages, refusals', () => {
    assert.equal(classifyFailure(401, undefined), 'unauthorized');
    assert.equal(classifyFailure(429, said('rateLimitExceeded', '')), 'rateLimited');
    assert.equal(classifyFailure(403, said('userRateLimitExceeded', '')), 'rateLimited');
    assert.equal(classifyFailure(403, said('rateLimitExceeded', '')), 'rateLimited');
    assert.equal(classifyFailure(403, said('dailyLimitExceeded', '')), 'fatal');
    assert.equal(classifyFailure(403, said('insufficientPermissions', '')), 'fatal');
    assert.equal(classifyFailure(503, undefined), 'transient');
    assert.equal(classifyFailure(400, said('invalidArgument', '')), 'fatal');
  });

  it("maps final answers to what our caller sees, with Google's message", () => {
    const notFound = providerAnswerError('Gmail', 404, said('notFound', 'Requested entity was not found.'));
    assert.equal(notFound.statusCode, 404);
    assert.match(notFound.message, /Requested entity was not found\./);
    assert.equal(providerAnswerError('Gmail', 400, said('invalidArgument', 'Invalid label')).statusCode, 400);
    assert.equal(providerAnswerError('Gmail', 403, said('insufficientPermissions', 'Insufficient Permission')).statusCode, 403);
    const limited = providerAnswerError('Gmail', 403, said('userRateLimitExceeded', 'User-rate limit exceeded.'), 30_000, 4);
    assert.equal(limited.statusCode, 429);
    assert.equal(limited.headers['retry-after'], '30');
    assert.match(limited.message, /User-rate limit exceeded\..*|gave up after 4 attempts/);
    assert.equal(providerAnswerError('Gmail', 503, said('backendError', 'Backend Error')).statusCode, 502);
  });
});

describe('CEQL', () => {
  it('parses AND-combined comparisons and IN lists', () => {
    assert.deepEqual(parseCeql("q='from:bob subject:invoice' AND labelIds IN ('INBOX', 'UNREAD') and includeSpamTrash = true"), [
      { field: 'q', operator: '=', values: ['from:bob subject:invoice'] },
      { field: 'labelIds', operator: 'IN', values: ['INBOX', 'UNREAD'] },
      { field: 'includeSpamTrash', operator: '=', values: [true] },
    ]);
  });
  it("reads doubled and escaped quotes inside strings", () => {
    assert.deepEqual(parseCeql("q='subject:\"it''s\" from:o\\'neil'")[0]?.values, [`subject:"it's" from:o'neil`]);
  });
  it('refuses broken expressions with a 400 naming where', () => {
    for (const where of ["q='unterminated", 'q =', "q 'x'", "q='a' OR q='b'", "q='a' q='b'", '= 1', "q='a' AND"]) {
      assert.throws(() => parseCeql(where), (error: unknown) => error instanceof BadRequest && /where/.test(error.message), where);
    }
  });
  it('turns conditions into Gmail list parameters', () => {
    assert.deepEqual(gmailListFilter("q='from:bob' AND labelIds='INBOX,UNREAD' AND q='has:attachment'"), {
      q: '(from:bob) (has:attachment)',
      labelIds: ['INBOX', 'UNREAD'],
    });
    assert.throws(() => gmailListFilter("subject='x'"), /unknown field 'subject'/);
    assert.throws(() => gmailListFilter("q LIKE 'x'"), /q supports =/);
    assert.throws(() => gmailListFilter("labelIds='INBOX'", ['q']), /unknown field 'labelIds'/);
    assert.equal(historyLabelFilter("labelId='INBOX'"), 'INBOX');
    assert.throws(() => historyLabelFilter("q='x'"), /labelId/);
  });
});

describe('batch wire format', () => {
  it('encodes parts as application/http with Content-IDs', () => {
    const { contentType, body } = encodeBatchRequest([{ id: 'item-0', method: 'GET', path: '/gmail/v1/users/me/messages/a?format=metadata' }], 'B');
    assert.equal(contentType, 'multipart/mixed; boundary=B');
    assert.equal(body, '--B\r\nContent-Type: application/http\r\nContent-ID: <item-0>\r\n\r\nGET /gmail/v1/users/me/messages/a?format=metadata\r\n\r\n--B--\r\n');
  });
  it('decodes answers, matching response-<id>, with LF or CRLF line ends', () => {
    const answer = [
      '--batch_x',
      'Content-Type: application/http',
      'Content-ID: <response-item-1>',
      '',
      'HTTP/1.1 429 Too Many Requests',
      'Retry-After: 2',
      'Content-Type: application/json',
      '',
      '{"error":{"code":429,"message":"slow down","errors":[{"reason":"rateLimitExceeded"}]}}',
      '--batch_x',
      'Content-Type: application/http',
      'Content-ID: <response-item-0>',
      '',
      'HTTP/1.1 200 OK',
      'Content-Type: application/json',
      '',
      '{"id":"a"}',
      '--batch_x--',
      '',
    ];
    for (const newline of ['\r\n', '\n']) {
      const parts = decodeBatchResponse('multipart/mixed; boundary="batch_x"', Buffer.from(answer.join(newline)));
      assert.deepEqual(
        parts.map((p) => [p.id, p.status, p.headers['retry-after'], p.body]),
        [
          ['item-1', 429, '2', '{"error":{"code":429,"message":"slow down","errors":[{"reason":"rateLimitExceeded"}]}}'],
          ['item-0', 200, undefined, '{"id":"a"}'],
        ],
      );
    }
  });
  it('refuses an answer that is not multipart', () => {
    assert.throws(() => decodeBatchResponse('application/json', Buffer.from('{}')), /not multipart/);
  });
});

describe('history collation', () => {
  const ref = (id: string) => ({ id, threadId: `t${id}` });
  it('keeps one change per message, the last, in order of last change', () => {
    const changes = collateHistory([
      { id: '10', messagesAdded: [{ message: ref('a') }] },
      { id: '11', labelsAdded: [{ message: ref('b'), labelIds: ['STARRED'] }] },
      { id: '12', labelsRemoved: [{ message: ref('a'), labelIds: ['UNREAD'] }] },
      { id: '13', labelsAdded: [{ message: ref('b'), labelIds: ['IMPORTANT'] }] },
      { id: '14', messagesAdded: [{ message: ref('c') }] },
      { id: '15', messagesDeleted: [{ message: ref('c') }] },
      { id: '16', messagesDeleted: [{ message: ref('d') }] },
    ]);
    assert.deepEqual(changes, [
      { id: 'a', threadId: 'ta', eventType: 'CREATED', historyId: '12' },
      { id: 'b', threadId: 'tb', eventType: 'UPDATED', historyId: '13' },
      { id: 'c', threadId: 'tc', eventType: 'DELETED', historyId: '15' },
      { id: 'd', threadId: 'td', eventType: 'DELETED', historyId: '16' },
    ]);
  });
});

describe('change cursor', () => {
  it('round-trips and accepts a bare history id', () => {
    assert.deepEqual(decodeCursor(encodeCursor({ historyId: '123', pageToken: 'tok' })), { historyId: '123', pageToken: 'tok' });
    assert.deepEqual(decodeCursor(encodeCursor({ historyId: '123' })), { historyId: '123' });
    assert.deepEqual(decodeCursor('98765'), { historyId: '98765' });
  });
  it('refuses anything else with a 400 naming cursor', () => {
    for (const bad of ['abc', encodeCursor({ historyId: 'x1' }), Buffer.from('{"v":2,"h":"1"}').toString('base64url')]) {
      assert.throws(() => decodeCursor(bad), (error: unknown) => error instanceof BadRequest && /cursor/.test(error.message));
    }
  });
});

describe('message shape', () => {
  it('flattens headers, dates, bodies and attachments', () => {
    const text = Buffer.from('Grüße', 'utf8').toString('base64url');
    const latin = Buffer.from([0x63, 0x61, 0x66, 0xe9]).toString('base64url');
    const message = normalizeMessage(
      {
        id: 'm1',
        threadId: 't1',
        labelIds: ['INBOX'],
        snippet: 'Grüße',
        historyId: '77',
        internalDate: '1700000000000',
        sizeEstimate: 1234,
        payload: {
          mimeType: 'multipart/mixed',
          headers: [
            { name: 'From', value: 'Bob <bob@example.com>' },
            { name: 'To', value: 'a@example.com' },
            { name: 'To', value: 'b@example.com' },
            { name: 'Subject', value: '=?UTF-8?B?SGVsbG8=?=' },
          ],
          parts: [
            {
              mimeType: 'multipart/alternative',
              parts: [
                { mimeType: 'text/plain', filename: '', body: { data: text, size: 7 } },
                { mimeType: 'text/html', filename: '', headers: [{ name: 'Content-Type', value: 'text/html; charset=iso-8859-1' }], body: { data: latin, size: 4 } },
              ],
            },
            { mimeType: 'application/pdf', filename: 'invoice.pdf', body: { attachmentId: 'att1', size: 5000 } },
          ],
        },
      },
      { includeBody: true },
    );
    assert.deepEqual(message, {
      id: 'm1',
      threadId: 't1',
      labelIds: ['INBOX'],
      snippet: 'Grüße',
      historyId: '77',
      internalDate: '1700000000000',
      date: '2023-11-14T22:13:20.000Z',
      from: 'Bob <bob@example.com>',
      to: 'a@example.com, b@example.com',
      cc: null,
      subject: 'Hello',
      sizeEstimate: 1234,
      body: { text: 'Grüße', html: 'café' },
      attachments: [{ attachmentId: 'att1', filename: 'invoice.pdf', mimeType: 'application/pdf', size: 5000 }],
    });
  });
});

describe('query parameters and paths', () => {
  it('names the parameter in its 400', () => {
    const query = new QueryParameters({ pageSize: '501', includeBody: 'yes', where: ['a', 'b'] });
    assert.throws(() => query.integer('pageSize', { min: 1, max: 500, fallback: 100 }), /pageSize must be an integer from 1 to 500/);
    assert.throws(() => query.boolean('includeBody', false), /includeBody must be true or false/);
    assert.throws(() => query.string('where'), /where must be given at most once/);
    assert.equal(new QueryParameters({}).integer('pageSize', { min: 1, max: 500, fallback: 100 }), 100);
  });
  it('matches patterns and decodes parameters', () => {
    const pattern = compilePattern('/messages/:id/attachments/:attachmentId');
    assert.deepEqual(matchPattern(pattern, '/messages/a%2Fb/attachments/x'), { id: 'a/b', attachmentId: 'x' });
    assert.equal(matchPattern(pattern, '/messages/a/attachments'), undefined);
    assert.equal(matchPattern(compilePattern('/messages/:id'), '/threads/a'), undefined);
  });
});

describe('concurrency limiter', () => {
  it('never runs more than the limit per key, and frees the key afterwards', async () => {
    const limiter = new KeyedConcurrencyLimiter(2);
    let running = 0;
    let peak = 0;
    let finished = 0;
    const gates: (() => void)[] = [];
    const tasks = Array.from({ length: 6 }, () =>
      limiter.run('k', async () => {
        running++;
        peak = Math.max(peak, running);
        await new Promise<void>((resolve) => gates.push(resolve));
        running--;
        finished++;
      }),
    );
    // Release tasks one at a time as they start; without a limit all six would start at once.
    while (finished < tasks.length) {
      await new Promise((resolve) => setImmediate(resolve));
      gates.shift()?.();
    }
    await Promise.all(tasks);
    assert.equal(peak, 2);
    assert.equal(limiter.active('k'), 0);
  });
});
