// Cloud Elements compatibility of instance configuration keys and hub query parameters: every key and
// parameter CE documents is implemented or refused with a 400 naming it, none accepted and ignored.
// Written from these CE pages (developer portal sources, cloud-elements/devportal):
// - [EM]  Event Management guide (docs/guides/event-management): "Polling Configuration": the legacy
//         `event.poller.urls` ("<resource>|<pollerUrl>|<xPathFilter>|<updatedDateField>|…", one resource
//         per line) and the JSON keys: filterByUpdate(d)Date "defaults to true", createdCheckTolerance
//         "the number of seconds", pollDelay, pageSize, datesConfiguration;
// - [CIC] "Instance Configuration" (_includes/common-instance-config.md): event.vendor.type (webhook or
//         polling), event.notification.type (webhook), filter.response.nulls;
// - [PP]  "Authenticate an Element Instance with Events", Polling Parameters (_includes/events/
//         polling-parameters.md): "Event Type event.vendor.type: either polling or webhook";
// - [QR]  Querying with CEQL (_includes/ceql-ref.md, the Gmail element's CEQL page): where, fields,
//         orderBy, page, pageSize; operators AND, OR, =, !=, <, >, <=, >=, LIKE, IN, IS NULL; grouping
//         with parentheses (`… AND (Name='Account Name' OR Industry='Apparel')`);
// - [GE]  the Gmail element's events page (docs/elements/gmail/events.md, the seed).
// Ground truth: what the Google emulator was asked and answered (a recording proxy in front of it: the
// `q` of each messages.list and the ids it returned; per-mailbox method counts), and what the webhook
// receiver got. SQLite: nothing here depends on the store's dialect.

import assert from 'node:assert/strict';
import { createServer, request as httpRequest, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { BadRequest } from '../../src/errors/index.ts';
import { parsePollerConfiguration, parsePollerUrls } from '../../src/events/index.ts';
import { classifyWindowRecords } from '../../src/events/poller/windowChanges.ts';
import { parseCeqlExpression } from '../../src/hubs/ceql.ts';
import { gmailListFilter } from '../../src/elements/gmail/hub/listFilters.ts';
import { projectFields, QueryParameters } from '../../src/hubs/queryParameters.ts';
import { apiCall, createInstance, seedBody, startTestApp, type TestApp } from '../support/testApp.ts';
import { waitFor, WebhookReceiver } from '../support/webhookReceiver.ts';
import { testDialects } from '../support/databases.ts';

function badRequest(pattern: RegExp): (error: unknown) => boolean {
  return (error: unknown) => {
    assert.ok(error instanceof BadRequest, `expected a BadRequest, got ${String(error)}`);
    assert.match(error.message, pattern);
    return true;
  };
}

describe('CEQL, query parameters and legacy poller urls (pure)', () => {
  test('[QR] OR, parentheses and IS NULL parse; AND binds tighter than OR', () => {
    // CE's own example: LastModifiedDate>'…' AND (Name='Account Name' OR Industry='Apparel')
    assert.deepEqual(parseCeqlExpression("LastModifiedDate>'2018-01-15T00:00:00.000Z' AND (Name='Account Name' OR Industry='Apparel')"), {
      kind: 'and',
      operands: [
        { kind: 'condition', condition: { field: 'LastModifiedDate', operator: '>', values: ['2018-01-15T00:00:00.000Z'] } },
        {
          kind: 'or',
          operands: [
            { kind: 'condition', condition: { field: 'Name', operator: '=', values: ['Account Name'] } },
            { kind: 'condition', condition: { field: 'Industry', operator: '=', values: ['Apparel'] } },
          ],
        },
      ],
    });
    const precedence = parseCeqlExpression("a='1' OR b='2' AND c='3'");
    assert.equal(precedence?.kind, 'or');
    assert.deepEqual(precedence?.kind === 'or' ? precedence.operands.map((operand) => operand.kind) : [], ['condition', 'and']);
    assert.deepEqual(parseCeqlExpression('Email IS NULL or Phone is not null'), {
      kind: 'or',
      operands: [
        { kind: 'condition', condition: { field: 'Email', operator: 'IS NULL', values: [] } },
        { kind: 'condition', condition: { field: 'Phone', operator: 'IS NOT NULL', values: [] } },
      ],
    });
    for (const broken of ["(q='a'", "q='a')", "q IS 'x'", "q='a' OR", '()']) assert.throws(() => parseCeqlExpression(broken), badRequest(/^Invalid where/), broken);
    assert.throws(() => parseCeqlExpression(`${'('.repeat(40)}q='a'${')'.repeat(40)}`), badRequest(/nest deeper/));
  });

  test('[QR] Gmail listings: q conditions under OR and parentheses become one Gmail query; the rest is refused by name', () => {
    assert.deepEqual(gmailListFilter("q='from:bob' OR q='from:carol'"), { q: '((from:bob) OR (from:carol))' });
    assert.deepEqual(gmailListFilter("labelIds='INBOX' AND (q='from:bob' OR (q='from:carol' AND q='subject:x')) AND q != 'is:starred'"), {
      labelIds: ['INBOX'],
      q: '((from:bob) OR ((from:carol) (subject:x))) -(is:starred)',
    });
    assert.deepEqual(gmailListFilter("q='from:bob subject:invoice'"), { q: 'from:bob subject:invoice' }, 'a lone q is sent as written');
    assert.throws(() => gmailListFilter("q='a' OR labelIds='INBOX'"), badRequest(/labelIds can only be joined with AND at the top level/));
    assert.throws(() => gmailListFilter("q='a' OR includeSpamTrash=true"), badRequest(/includeSpamTrash can only be joined with AND/));
    assert.throws(() => gmailListFilter('q IS NULL'), badRequest(/q supports = and !=, not IS NULL/));
    assert.throws(() => gmailListFilter("q='' OR q='b'"), badRequest(/q must not be empty/));
  });

  test('[QR] page, orderBy and fields: refused by name unless the hub engine does what they ask', () => {
    assert.throws(() => new QueryParameters({ page: '1' }), badRequest(/^page is not supported: listings page by token/));
    assert.throws(() => new QueryParameters({ orderBy: 'internalDate desc' }), badRequest(/^orderBy is not supported here/));
    assert.throws(() => new QueryParameters({ fields: 'id' }), badRequest(/^fields is not supported here/));
    // What the engine may declare: the provider's own order, a projection it applies.
    assert.doesNotThrow(() => new QueryParameters({ orderBy: ' internalDate  DESC ' }, { order: 'internalDate desc' }));
    assert.throws(() => new QueryParameters({ orderBy: 'internalDate asc' }, { order: 'internalDate desc' }), badRequest(/orderBy can only be 'internalDate desc'/));
    assert.deepEqual(new QueryParameters({ fields: 'id, payload.mimeType' }, { fields: true }).fields(), ['id', 'payload.mimeType']);
    assert.throws(() => new QueryParameters({ fields: 'id,__proto__.x' }, { fields: true }), badRequest(/^fields must be a comma-separated list/));
    const record = { id: 'm1', subject: 's', payload: { mimeType: 'text/plain', headers: [] } };
    assert.deepEqual(projectFields([record, 'not an object'], ['id', 'payload.mimeType', 'missing']), [{ id: 'm1', payload: { mimeType: 'text/plain' } }, 'not an object']);
    assert.deepEqual(projectFields(record, ['payload', 'payload.mimeType']), { payload: record.payload });
    assert.deepEqual(record.payload, { mimeType: 'text/plain', headers: [] }, 'the record itself is untouched');
  });

  test('[EM] event.poller.urls: full lines migrate with their dates; bare names take the element default; xPathFilter is refused', () => {
    const gmailContext = { hub: 'general', defaults: { 'changed-messages': { url: '/hubs/general/changed-messages', idField: 'id' } }, pollable: ['changed-messages', 'messages', 'threads'] };
    assert.deepEqual(parsePollerUrls("recent|/hubs/general/messages?where=q='after:${epoch:s}'||internalDate|milliseconds|GMT|internalDate|milliseconds", gmailContext), {
      recent: {
        url: "/hubs/general/messages?where=q='after:${epoch:s}'",
        idField: 'id',
        datesConfiguration: { updatedDateField: 'internalDate', updatedDateFormat: 'milliseconds', updatedDateTimezone: 'GMT', createdDateField: 'internalDate', createdDateFormat: 'milliseconds' },
      },
    });
    assert.deepEqual(parsePollerUrls('changed-messages|messages\nthreads', gmailContext), {
      'changed-messages': { url: '/hubs/general/changed-messages', idField: 'id' },
      messages: { url: '/hubs/general/messages', idField: 'id' },
      threads: { url: '/hubs/general/threads', idField: 'id' },
    });
    assert.throws(() => parsePollerUrls('messages|/hubs/general/messages|//message', gmailContext), badRequest(/line 1: the xPathFilter field \("\/\/message"\) is not supported/));
    assert.throws(() => parsePollerUrls('contacts', gmailContext), badRequest(/"contacts" is not a resource this element polls/));
    assert.throws(() => parsePollerUrls('messages\nmessages', gmailContext), badRequest(/names the resource messages twice/));
    assert.throws(() => parsePollerUrls('', gmailContext), badRequest(/names no resource/));
  });

  test('[EM] poller entries: only the polling guide keys; createdCheckTolerance in seconds; filterByUpdatedDate on unless false', () => {
    const entry = (extra: Record<string, unknown>) => ({ messages: { url: '/hubs/general/messages', idField: 'id', ...extra } });
    assert.throws(() => parsePollerConfiguration(entry({ filterByUpdateDate: false })), badRequest(/messages.filterByUpdateDate is not a polling configuration key: the key is filterByUpdatedDate/));
    assert.throws(() => parsePollerConfiguration(entry({ updatedDateTimezone: 'MST' })), badRequest(/it belongs inside datesConfiguration/));
    assert.throws(() => parsePollerConfiguration(entry({ datesConfiguration: { updatedDateField: 'x', since: 1 } })), badRequest(/datesConfiguration.since is not a polling configuration key/));
    assert.throws(() => parsePollerConfiguration(entry({ url: '/hubs/general/messages?orderBy=internalDate' })), badRequest(/messages.url: orderBy is not supported/));
    const window = { from: new Date('2024-05-01T10:00:00Z'), to: new Date('2024-05-01T10:15:00Z') };
    const dates = { createdDateField: 'c', createdDateFormat: 'milliseconds', updatedDateField: 'u', updatedDateFormat: 'milliseconds' };
    const records = [
      { id: 'new', c: Date.parse('2024-05-01T10:05:00Z'), u: Date.parse('2024-05-01T10:05:02Z') },
      { id: 'stale', c: Date.parse('2024-04-01T00:00:00Z'), u: Date.parse('2024-05-01T09:00:00Z') },
    ];
    const classify = (extra: Record<string, unknown>) =>
      classifyWindowRecords(records, { idField: 'id', datesConfiguration: dates, ...extra }, window).changes.map((change) => `${change.objectId}:${change.eventType}`);
    assert.deepEqual(classify({ createdCheckTolerance: 3 }), ['new:CREATED'], '2 s apart is within 3 seconds; stale is before the window');
    assert.deepEqual(classify({ createdCheckTolerance: 1, filterByUpdatedDate: false }), ['new:UPDATED', 'stale:UPDATED']);
  });
});

/** An HTTP proxy in front of the Google emulator recording each messages.list: its q and the ids answered. */
class RecordingProxy {
  target = '';
  readonly lists: { q: string | null; labelIds: string[]; ids: string[] }[] = [];
  private server: Server | undefined;

  async start(): Promise<string> {
    this.server = createServer((req, res) => void this.forward(req, res));
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  private async forward(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const headers = { ...req.headers };
    delete headers.host;
    delete headers.connection;
    const upstream = httpRequest(new URL(req.url ?? '/', this.target), { method: req.method, headers }, async (answer) => {
      const body: Buffer[] = [];
      for await (const chunk of answer) body.push(chunk as Buffer);
      const bytes = Buffer.concat(body);
      const url = new URL(req.url ?? '/', 'http://proxy.invalid');
      if (req.method === 'GET' && /^\/gmail\/v1\/users\/[^/]+\/messages$/.test(url.pathname) && answer.statusCode === 200) {
        const listed = JSON.parse(bytes.toString('utf8')) as { messages?: { id: string }[] };
        this.lists.push({ q: url.searchParams.get('q'), labelIds: url.searchParams.getAll('labelIds'), ids: (listed.messages ?? []).map((m) => m.id) });
      }
      const responseHeaders = { ...answer.headers };
      delete responseHeaders['transfer-encoding'];
      delete responseHeaders.connection;
      res.writeHead(answer.statusCode ?? 502, { ...responseHeaders, 'content-length': String(bytes.length) });
      res.end(bytes);
    });
    upstream.on('error', () => res.destroy());
    upstream.end(Buffer.concat(chunks));
  }

  async close(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => this.server?.close(() => resolve()));
  }
}

for (const dialect of testDialects()) {
  describe(`configuration keys and CEQL through the public API on ${dialect}`, () => {
    let app: TestApp;
    let receiver: WebhookReceiver;
    const proxy = new RecordingProxy();

    before(async () => {
      const proxyUrl = await proxy.start();
      // The sandbox allows 1-second polling; the explicit Google base URL (the proxy) wins over its own emulator.
      app = await startTestApp(dialect, { CHANGEHOOK_SANDBOX: '1', CHANGEHOOK_GOOGLE_BASE_URL: proxyUrl });
      proxy.target = app.emulator.baseUrl;
      receiver = await new WebhookReceiver().start();
    });
    after(async () => {
      await app?.close();
      await receiver?.close();
      await proxy.close();
    });

    const configured = (id: number) => apiCall(app, 'GET', `/instances/${id}`).then((r) => r.body as { configuration: Record<string, string>; eventsPolling: { resources: { resource: string; baselineDate: string | null; lastSuccessDate: string | null }[] } });
    /** A create that must fail before the code is spent: the answer is a 400 naming what `pattern` says. */
    const refusedCreate = async (configuration: Record<string, unknown>, pattern: RegExp) => {
      const response = await apiCall(app, 'POST', '/instances', seedBody('never-exchanged', { configuration }));
      assert.equal(response.status, 400, `${JSON.stringify(configuration)} → ${JSON.stringify(response.body)}`);
      assert.match(response.body.message, pattern);
    };

    test('[CIC][PP] event.vendor.type: webhook is refused by name, polling is taken and shown back', async () => {
      await refusedCreate({ 'event.vendor.type': 'webhook' }, /^configuration\.event\.vendor\.type "webhook" is not supported/);
      await refusedCreate({ 'event.vendor.type': 'sometimes' }, /^configuration\.event\.vendor\.type must be "polling"/);
      const instance = await createInstance(app, 'vendor-type@example.com', { configuration: { 'event.vendor.type': 'polling', 'event.notification.enabled': false } });
      assert.equal((await configured(instance.id)).configuration['event.vendor.type'], 'polling');
      await apiCall(app, 'DELETE', `/instances/${instance.id}`);
    });

    test('[CIC] unknown and unimplemented keys are refused by name; null is a key left unset', async () => {
      await refusedCreate({ 'pagination.max': '100' }, /^configuration\.pagination\.max is not a configuration key of the Gmail element/);
      await refusedCreate({ 'filter.response.nulls': 'true' }, /^configuration\.filter\.response\.nulls "true" is not supported/);
      await refusedCreate({ 'event.notification.type': 'queue' }, /^configuration\.event\.notification\.type must be "webhook"/);
      await refusedCreate({ 'oauth.user.refresh_interval': '3600' }, /^configuration\.oauth\.user\.refresh_interval is not needed/);
      await refusedCreate({ 'event.poller.configuration': { messages: { url: '/hubs/general/messages', idField: 'id', filterByUpdateDate: false } } }, /messages\.filterByUpdateDate is not a polling configuration key/);
      await refusedCreate(
        { 'event.poller.configuration': { messages: { url: '/hubs/general/messages?page=2', idField: 'id' } } },
        /messages\.url: page is not supported: listings page by token, not by page number \(Gmail has no page numbers\)/,
      );
      // As CE shows configuration back: unset keys as null. Taken as unset, not stored.
      const instance = await createInstance(app, 'null-keys@example.com', {
        configuration: { 'event.notification.enabled': false, 'event.notification.subscription.id': null, 'filter.response.nulls': 'false', 'event.notification.type': 'webhook' },
      });
      const shown = (await configured(instance.id)).configuration;
      assert.equal('event.notification.subscription.id' in shown, false);
      assert.equal(shown['filter.response.nulls'], 'false');
      const patched = await apiCall(app, 'PATCH', `/instances/${instance.id}`, { configuration: { 'some.unknown.key': 'x' } });
      assert.equal(patched.status, 400);
      assert.match(patched.body.message, /^configuration\.some\.unknown\.key is not a configuration key/);
      await apiCall(app, 'DELETE', `/instances/${instance.id}`);
    });

    test('[EM] event.poller.urls (legacy) is migrated and polled: its resource and URL, not the default changed-messages', async () => {
      const mailbox = 'legacy-urls@example.com';
      const marker = '-from:legacy-marker@example.invalid';
      const instance = await createInstance(app, mailbox, {
        configuration: {
          'event.notification.callback.url': receiver.url,
          'event.poller.refresh_interval': '0.0167',
          // The seed's JSON form left unset ("" — the HTTP schema takes no null for it), so the legacy one rules.
          'event.poller.configuration': '',
          'event.poller.urls': `recent|/hubs/general/messages?where=q='after:\${epoch:s} ${marker}'||internalDate|milliseconds||internalDate|milliseconds`,
        },
      });
      const shown = await configured(instance.id);
      assert.equal('event.poller.urls' in shown.configuration, false, 'migrated, as CE migrated it');
      assert.deepEqual(JSON.parse(shown.configuration['event.poller.configuration'] ?? ''), {
        recent: {
          url: `/hubs/general/messages?where=q='after:\${epoch:s} ${marker}'`,
          idField: 'id',
          datesConfiguration: { updatedDateField: 'internalDate', updatedDateFormat: 'milliseconds', createdDateField: 'internalDate', createdDateFormat: 'milliseconds' },
        },
      });
      await waitFor(async () => (await configured(instance.id)).eventsPolling.resources[0]?.baselineDate, 'the baseline');
      const message = await app.emulator.control.deliverMessage(mailbox, { subject: 'legacy poller' });
      await waitFor(() => receiver.events().some((e) => e.objectId === message.id), 'the event');
      assert.deepEqual(receiver.events().filter((e) => e.objectId === message.id).map((e) => [e.objectType, e.eventType]), [['recent', 'CREATED']]);
      // Ground truth: Gmail was asked the legacy line's query and answered the message; the change feed never.
      const asked = proxy.lists.filter((list) => list.q?.endsWith(marker));
      assert.ok(asked.every((list) => /^after:\d{10} -from:legacy-marker@example\.invalid$/.test(list.q ?? '')), JSON.stringify(asked));
      assert.ok(asked.some((list) => list.ids.includes(message.id)));
      assert.equal(app.emulator.control.quota(mailbox).requests['gmail.users.history.list'] ?? 0, 0);
      await apiCall(app, 'DELETE', `/instances/${instance.id}`);

      // Both forms at once, as CE shows an instance back after migrating: they must say the same.
      await refusedCreate({ 'event.poller.urls': 'messages' }, /event\.poller\.urls \(messages\) and configuration\.event\.poller\.configuration \(changed-messages\) configure different polling/);
      const both = await createInstance(app, 'legacy-both@example.com', { configuration: { 'event.notification.enabled': false, 'event.poller.urls': 'changed-messages' } });
      assert.deepEqual(Object.keys(JSON.parse((await configured(both.id)).configuration['event.poller.configuration'] ?? '')), ['changed-messages']);
      await apiCall(app, 'DELETE', `/instances/${both.id}`);
    });

    test('[EM] createdCheckTolerance is seconds and filterByUpdatedDate defaults to true, in a date-window poll', async () => {
      const mailbox = 'window-dates@example.com';
      // Each resource lists the same new messages; a marker term tells their messages.list calls apart. The
      // updated date is the message's `date` read in a shifted zone: -00:01 puts it 60 s after the created
      // date (internalDate), +01:00 an hour before it, so before the window.
      const resource = (marker: string, updatedDateTimezone: string, extra: Record<string, unknown>) => ({
        url: `/hubs/general/messages?where=q='after:\${epoch:s} -from:${marker}@example.invalid'`,
        idField: 'id',
        pollDelay: 2,
        datesConfiguration: {
          createdDateField: 'internalDate',
          createdDateFormat: 'milliseconds',
          updatedDateField: 'date',
          updatedDateFormat: "yyyy-MM-dd'T'HH:mm:ss.SSS'Z'",
          updatedDateTimezone,
        },
        ...extra,
      });
      const instance = await createInstance(app, mailbox, {
        configuration: {
          'event.notification.callback.url': receiver.url,
          'event.poller.refresh_interval': '0.0167',
          'event.poller.configuration': {
            tolerant: resource('tolerant', '-00:01', { createdCheckTolerance: 120 }),
            strict: resource('strict', '-00:01', { createdCheckTolerance: 30 }),
            'stale-default': resource('stale-default', '+01:00', {}),
            'stale-kept': resource('stale-kept', '+01:00', { filterByUpdatedDate: false }),
          },
        },
      });
      await waitFor(async () => (await configured(instance.id)).eventsPolling.resources.every((r) => r.baselineDate), 'the baselines');
      const message = await app.emulator.control.deliverMessage(mailbox, { subject: 'dated' });
      const eventsOf = (objectType: string) => receiver.events().filter((e) => e.objectId === message.id && e.objectType === objectType).map((e) => e.eventType);
      await waitFor(() => eventsOf('tolerant').length && eventsOf('strict').length && eventsOf('stale-kept').length, 'the three events');
      // stale-default's own poll got the message from Gmail and committed after that answer, with no event.
      const answered = proxy.lists.findIndex((list) => list.q?.includes('-from:stale-default@') && list.ids.includes(message.id));
      assert.ok(answered >= 0, 'Gmail answered stale-default the message');
      const answeredAt = Date.now();
      await waitFor(async () => {
        const health = (await configured(instance.id)).eventsPolling.resources.find((r) => r.resource === 'stale-default');
        return health?.lastSuccessDate && Date.parse(health.lastSuccessDate) > answeredAt;
      }, 'a stale-default poll after that answer');
      assert.deepEqual(eventsOf('tolerant'), ['CREATED'], '60 s apart is within createdCheckTolerance 120 (seconds)');
      assert.deepEqual(eventsOf('strict'), ['UPDATED'], '60 s apart is beyond createdCheckTolerance 30');
      assert.deepEqual(eventsOf('stale-kept'), ['UPDATED'], 'filterByUpdatedDate false keeps a record updated before the window');
      assert.deepEqual(eventsOf('stale-default'), [], 'filterByUpdatedDate is true by default: updated before the window is dropped');
      await apiCall(app, 'DELETE', `/instances/${instance.id}`);
    });

    describe('[QR] hub queries', () => {
      let hubAuth = '';
      const mailbox = 'ceql@example.com';
      const ids: Record<string, string> = {};
      const hub = (path: string) => apiCall({ api: app.api, auth: hubAuth }, 'GET', `/hubs/general${path}`);

      before(async () => {
        const instance = await createInstance(app, mailbox, { configuration: { 'event.notification.enabled': false } });
        hubAuth = `${app.auth}, Element ${instance.token}`;
        for (const [name, from, subject] of [
          ['bobLunch', 'bob@example.com', 'lunch'],
          ['carolInvoice', 'carol@example.com', 'invoice 7'],
          ['carolLunch', 'carol@example.com', 'lunch'],
          ['daveInvoice', 'dave@example.com', 'invoice 8'],
        ] as const) {
          ids[name] = (await app.emulator.control.deliverMessage(mailbox, { from, subject })).id;
        }
      });

      test("OR and parentheses reach Gmail as one query, and the listing is Gmail's answer", async () => {
        const where = "q='from:bob' OR (q='from:carol' AND q='subject:invoice')";
        const before = proxy.lists.length;
        const response = await hub(`/messages?where=${encodeURIComponent(where)}`);
        assert.equal(response.status, 200, JSON.stringify(response.body));
        const asked = proxy.lists.slice(before);
        assert.deepEqual(asked.map((list) => list.q), ['((from:bob) OR ((from:carol) (subject:invoice)))']);
        const listed = response.body.map((m: { id: string }) => m.id);
        assert.deepEqual(listed, asked[0]?.ids, 'the hub lists what Gmail answered, in its order');
        assert.deepEqual([...listed].sort(), [ids.bobLunch, ids.carolInvoice].sort());
      });

      test('labelIds stays a top-level AND condition beside an OR group; != is a negated group', async () => {
        const before = proxy.lists.length;
        const response = await hub(`/messages?where=${encodeURIComponent("labelIds='INBOX' AND (q='subject:invoice' OR q='from:bob') AND q != 'from:dave'")}`);
        assert.equal(response.status, 200, JSON.stringify(response.body));
        assert.deepEqual(proxy.lists.slice(before).map((list) => [list.q, list.labelIds]), [['((subject:invoice) OR (from:bob)) -(from:dave)', ['INBOX']]]);
        assert.deepEqual(response.body.map((m: { id: string }) => m.id).sort(), [ids.bobLunch, ids.carolInvoice].sort());
      });

      test('what Gmail cannot do is a 400 naming it, and Gmail is not asked', async () => {
        const cases: [string, RegExp][] = [
          [`/messages?where=${encodeURIComponent("q='from:bob' OR labelIds='INBOX'")}`, /^Invalid where: labelIds can only be joined with AND at the top level/],
          [`/messages?where=${encodeURIComponent('subject IS NULL')}`, /^Invalid where: unknown field 'subject'/],
          [`/messages?where=${encodeURIComponent('q IS NULL')}`, /^Invalid where: q supports = and !=, not IS NULL/],
          ['/messages?page=2&pageSize=2', /^page is not supported: listings page by token, not by page number \(Gmail has no page numbers\)/],
          [`/messages?orderBy=${encodeURIComponent('subject asc')}`, /^orderBy is not supported here/],
          ['/messages?fields=id,subject', /^fields is not supported here/],
          ['/labels?orderBy=name', /^orderBy is not supported here/],
          [`/messages/${ids.bobLunch}?fields=id`, /^fields is not supported here/],
        ];
        const before = proxy.lists.length;
        for (const [path, message] of cases) {
          const response = await hub(path);
          assert.equal(response.status, 400, path);
          assert.match(response.body.message, message, path);
        }
        assert.equal(proxy.lists.length, before);
      });
    });
  });
}
