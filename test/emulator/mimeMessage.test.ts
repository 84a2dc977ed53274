import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  composeRawMessage,
  InvalidMimeMessage,
  parseRawMessage,
  type GmailMessagePart,
  type ParsedMessage,
} from '../../emulators/google/gmail/mimeMessage.ts';

function crlf(...lines: string[]): Buffer {
  return Buffer.from(lines.join('\r\n'), 'utf8');
}

function lf(...lines: string[]): Buffer {
  return Buffer.from(lines.join('\n'), 'utf8');
}

function bodyText(part: GmailMessagePart): string {
  assert.ok(part.body.data !== undefined, `part ${part.partId} has no data`);
  return Buffer.from(part.body.data, 'base64url').toString('utf8');
}

function child(part: GmailMessagePart, ...path: number[]): GmailMessagePart {
  let current = part;
  for (const index of path) {
    const next = current.parts?.[index];
    assert.ok(next !== undefined, `no part at ${path.join('.')}`);
    current = next;
  }
  return current;
}

/** The shape of the tree without headers: what a reader of format=full sees first. */
function outline(part: GmailMessagePart): unknown {
  return {
    partId: part.partId,
    mimeType: part.mimeType,
    filename: part.filename,
    ...(part.parts === undefined ? {} : { parts: part.parts.map(outline) }),
  };
}

function attachmentBytes(parsed: ParsedMessage, part: GmailMessagePart): Buffer {
  const id = part.body.attachmentId;
  assert.ok(id !== undefined, `part ${part.partId} has no attachmentId`);
  const bytes = parsed.attachments.get(id);
  assert.ok(bytes !== undefined, `attachment ${id} is missing from the map`);
  return bytes;
}

function assertInvalid(raw: Buffer, pattern: RegExp): void {
  assert.throws(() => parseRawMessage(raw), (error: unknown) => {
    assert.ok(error instanceof InvalidMimeMessage, `expected InvalidMimeMessage, got ${String(error)}`);
    assert.match(error.message, pattern);
    return true;
  });
}

const plain = crlf(
  'Return-Path: <amy@example.com>',
  'From: Amy Pond <amy@example.com>',
  'To: Bob <bob@example.org>, carol@example.net',
  'CC: dave@example.com',
  'Subject: Dinner on Friday',
  'Date: Fri, 14 Jun 2024 09:30:00 +0200 (CEST)',
  'Message-ID: <abc123@example.com>',
  'X-Custom-header: kept as written',
  '',
  'Hello Bob,',
  '',
  "Let's   meet at 8.",
  '',
);

describe('parseRawMessage: single-part messages', () => {
  test('a plain message becomes one part with partId "" and its text in body.data', () => {
    const parsed = parseRawMessage(plain);
    const { payload } = parsed;
    assert.equal(payload.partId, '');
    assert.equal(payload.mimeType, 'text/plain');
    assert.equal(payload.filename, '');
    assert.equal(payload.parts, undefined);
    assert.equal(bodyText(payload), "Hello Bob,\r\n\r\nLet's   meet at 8.\r\n");
    assert.equal(payload.body.size, Buffer.byteLength("Hello Bob,\r\n\r\nLet's   meet at 8.\r\n"));
    assert.equal(payload.body.attachmentId, undefined);
  });

  test('headers keep their order and casing, on the payload and on the result', () => {
    const parsed = parseRawMessage(plain);
    assert.deepEqual(
      parsed.payload.headers.map((h) => h.name),
      ['Return-Path', 'From', 'To', 'CC', 'Subject', 'Date', 'Message-ID', 'X-Custom-header'],
    );
    assert.deepEqual(parsed.headers, parsed.payload.headers);
    assert.deepEqual(parsed.headers[7], { name: 'X-Custom-header', value: 'kept as written' });
  });

  test('address fields, subject, date and message id', () => {
    const parsed = parseRawMessage(plain);
    assert.equal(parsed.from, 'Amy Pond <amy@example.com>');
    assert.equal(parsed.to, 'Bob <bob@example.org>, carol@example.net');
    assert.equal(parsed.cc, 'dave@example.com');
    assert.equal(parsed.bcc, '');
    assert.equal(parsed.subject, 'Dinner on Friday');
    assert.equal(parsed.date?.toISOString(), '2024-06-14T07:30:00.000Z');
    assert.equal(parsed.messageId, '<abc123@example.com>');
    assert.equal(parsed.sizeEstimate, plain.length);
  });

  test('text, snippet and attachment facts of a plain message', () => {
    const parsed = parseRawMessage(plain);
    assert.equal(parsed.text, "Hello Bob,\r\n\r\nLet's   meet at 8.\r\n");
    assert.equal(parsed.snippet, 'Hello Bob, Let&#39;s meet at 8.');
    assert.equal(parsed.hasAttachment, false);
    assert.deepEqual(parsed.filenames, []);
    assert.equal(parsed.attachments.size, 0);
  });

  test('LF line ends parse like CRLF', () => {
    const parsed = parseRawMessage(lf('From: a@example.com', 'Subject: LF only', '', 'body line', ''));
    assert.equal(parsed.subject, 'LF only');
    assert.equal(bodyText(parsed.payload), 'body line\n');
  });

  test('a message without Content-Type is text/plain; missing headers give empty fields', () => {
    const parsed = parseRawMessage(crlf('X-Only: 1', '', 'x'));
    assert.equal(parsed.payload.mimeType, 'text/plain');
    assert.equal(parsed.from, '');
    assert.equal(parsed.subject, '');
    assert.equal(parsed.date, undefined);
    assert.equal(parsed.messageId, undefined);
  });

  test('an empty body is allowed once the blank line is there', () => {
    const parsed = parseRawMessage(crlf('Subject: nothing', '', ''));
    assert.equal(parsed.payload.body.size, 0);
    assert.equal(parsed.payload.body.data, '');
    assert.equal(parsed.snippet, '');
  });

  test('folded headers are unfolded, keeping the folding whitespace', () => {
    const parsed = parseRawMessage(crlf('Subject: a long', '\tsubject line', 'To: x@example.com,', ' y@example.com', '', 'b'));
    assert.equal(parsed.subject, 'a long\tsubject line');
    assert.equal(parsed.to, 'x@example.com, y@example.com');
  });

  test('repeated address headers are all kept', () => {
    const parsed = parseRawMessage(crlf('To: a@example.com', 'To: b@example.com', '', 'b'));
    assert.equal(parsed.to, 'a@example.com, b@example.com');
    assert.equal(parsed.headers.length, 2);
  });

  test('an unreadable Date header leaves date undefined', () => {
    assert.equal(parseRawMessage(crlf('Date: not a date', '', 'b')).date, undefined);
  });

  test('a leading mbox "From " line is skipped', () => {
    const parsed = parseRawMessage(lf('From amy@example.com Fri Jun 14 09:30:00 2024', 'From: amy@example.com', '', 'b'));
    assert.equal(parsed.from, 'amy@example.com');
    assert.deepEqual(parsed.headers.map((h) => h.name), ['From']);
  });

  test('body.data is base64url with padding, and size counts decoded bytes', () => {
    // 7 bytes: two full groups and one byte, so two '=' of padding; ?? and >> exercise the url alphabet.
    const parsed = parseRawMessage(crlf('Subject: x', '', '??>>~~a'));
    assert.equal(parsed.payload.body.data, 'Pz8-Pn5-YQ==');
    assert.doesNotMatch(parsed.payload.body.data ?? '', /[+/]/);
    assert.equal(parsed.payload.body.size, 7);
  });
});

describe('parseRawMessage: transfer encodings and charsets', () => {
  test('quoted-printable: escapes, soft line breaks and a lone "="', () => {
    const parsed = parseRawMessage(
      crlf(
        'Content-Type: text/plain; charset=utf-8',
        'Content-Transfer-Encoding: quoted-printable',
        '',
        'Caf=C3=A9 au lait, a very long line that was wrapped=',
        ' here; 2+2=4 stays =3D literal=  ',
        'end',
      ),
    );
    assert.equal(bodyText(parsed.payload), 'Café au lait, a very long line that was wrapped here; 2+2=4 stays = literalend');
    assert.equal(parsed.payload.body.size, Buffer.byteLength(bodyText(parsed.payload)));
  });

  test('quoted-printable with LF line ends and lower-case hex', () => {
    const parsed = parseRawMessage(lf('Content-Transfer-Encoding: Quoted-Printable', '', 'na=c3=afve soft=', 'break'));
    assert.equal(bodyText(parsed.payload), 'naïve softbreak');
  });

  test('base64 wrapped over lines', () => {
    const text = 'The quick brown fox jumps over the lazy dog. '.repeat(4);
    const encoded = Buffer.from(text).toString('base64').replace(/.{1,76}/g, '$&\r\n');
    const parsed = parseRawMessage(Buffer.from(`Content-Transfer-Encoding: BASE64\r\n\r\n${encoded}`));
    assert.equal(bodyText(parsed.payload), text);
    assert.equal(parsed.payload.body.size, text.length);
  });

  test('a Latin-1 body is converted to UTF-8 and size counts the UTF-8 bytes', () => {
    const latin1 = Buffer.concat([
      Buffer.from('Content-Type: text/plain; charset="ISO-8859-1"\r\nContent-Transfer-Encoding: 8bit\r\n\r\n'),
      Buffer.from('d\xe9j\xe0 vu', 'latin1'),
    ]);
    const parsed = parseRawMessage(latin1);
    assert.equal(bodyText(parsed.payload), 'déjà vu');
    assert.equal(parsed.payload.body.size, Buffer.byteLength('déjà vu'));
    assert.equal(parsed.text, 'déjà vu');
  });

  test('windows-1252 quoted-printable and an unknown charset label', () => {
    const cp1252 = parseRawMessage(
      crlf('Content-Type: text/plain; charset=windows-1252', 'Content-Transfer-Encoding: quoted-printable', '', '=93quoted=94 =80'),
    );
    assert.equal(bodyText(cp1252.payload), '“quoted” €');
    const unknown = parseRawMessage(crlf('Content-Type: text/plain; charset=x-made-up', '', 'plain ascii'));
    assert.equal(bodyText(unknown.payload), 'plain ascii');
  });
});

describe('parseRawMessage: encoded-word headers', () => {
  test('B and Q encoded words are decoded in every header', () => {
    const parsed = parseRawMessage(
      crlf(
        'From: =?UTF-8?B?QW3DqWxpZQ==?= <amelie@example.com>',
        'To: =?iso-8859-1?q?J=F6rg?= <joerg@example.de>',
        'Subject: =?UTF-8?Q?Caf=C3=A9_menu?= =?UTF-8?Q?_for_today?=',
        'X-Note: plain =?utf-8?q?and_encoded?= mixed',
        '',
        'b',
      ),
    );
    assert.equal(parsed.from, 'Amélie <amelie@example.com>');
    assert.equal(parsed.to, 'Jörg <joerg@example.de>');
    assert.equal(parsed.subject, 'Café menu for today');
    assert.equal(parsed.payload.headers[2]?.value, 'Café menu for today');
    assert.equal(parsed.headers[3]?.value, 'plain and encoded mixed');
  });

  test('raw UTF-8 in headers (RFC 6532) is read as UTF-8', () => {
    const parsed = parseRawMessage(crlf('Subject: Grüße aus Köln', '', 'b'));
    assert.equal(parsed.subject, 'Grüße aus Köln');
  });

  test('a malformed encoded word is left as written', () => {
    const parsed = parseRawMessage(crlf('Subject: =?utf-8?x?broken?=', '', 'b'));
    assert.equal(parsed.subject, '=?utf-8?x?broken?=');
  });
});

describe('parseRawMessage: multipart structure', () => {
  const alternative = crlf(
    'From: amy@example.com',
    'Subject: alt',
    'MIME-Version: 1.0',
    'Content-Type: multipart/alternative; boundary="b1"',
    '',
    'This is the preamble; nobody reads it.',
    '--b1',
    'Content-Type: text/plain; charset=utf-8',
    '',
    'Plain version',
    '--b1',
    'Content-Type: text/html; charset=utf-8',
    '',
    '<p>HTML <b>version</b></p>',
    '--b1--',
    'Epilogue, also ignored.',
  );

  test('multipart/alternative: a container part with body {size: 0} and children "0", "1"', () => {
    const parsed = parseRawMessage(alternative);
    assert.deepEqual(outline(parsed.payload), {
      partId: '',
      mimeType: 'multipart/alternative',
      filename: '',
      parts: [
        { partId: '0', mimeType: 'text/plain', filename: '' },
        { partId: '1', mimeType: 'text/html', filename: '' },
      ],
    });
    assert.deepEqual(parsed.payload.body, { size: 0 });
    assert.equal(bodyText(child(parsed.payload, 0)), 'Plain version');
    assert.equal(bodyText(child(parsed.payload, 1)), '<p>HTML <b>version</b></p>');
    assert.deepEqual(child(parsed.payload, 1).headers, [{ name: 'Content-Type', value: 'text/html; charset=utf-8' }]);
  });

  test('text prefers the plain alternative; preamble and epilogue are not content', () => {
    const parsed = parseRawMessage(alternative);
    assert.equal(parsed.text, 'Plain version');
    assert.equal(parsed.snippet, 'Plain version');
    assert.equal(parsed.hasAttachment, false);
  });

  test('an HTML-only message gives stripped text and an escaped snippet', () => {
    const parsed = parseRawMessage(
      crlf(
        'Content-Type: text/html; charset=utf-8',
        '',
        '<html><head><title>T</title><style>p{color:red}</style></head><body>',
        '<p>Tom &amp; Jerry&#39;s <i>"show"</i></p><script>alert(1)</script><div>Next&nbsp;line &lt;3</div>',
        '</body></html>',
      ),
    );
    assert.match(parsed.text, /Tom & Jerry's "show"\n/);
    assert.doesNotMatch(parsed.text, /color|alert|<p>/);
    assert.equal(parsed.snippet, 'Tom &amp; Jerry&#39;s &quot;show&quot; Next line &lt;3');
  });

  const mixed = lf(
    'From: amy@example.com',
    'Content-Type: multipart/mixed; boundary=outer',
    '',
    '--outer',
    'Content-Type: multipart/alternative; boundary="inner"',
    '',
    '--inner',
    'Content-Type: text/plain',
    '',
    'See the report.',
    '--inner',
    'Content-Type: multipart/related; boundary="rel"',
    '',
    '--rel',
    'Content-Type: text/html',
    '',
    '<p>See the <img src="cid:logo"> report.</p>',
    '--rel',
    'Content-Type: image/png',
    'Content-ID: <logo>',
    'Content-Transfer-Encoding: base64',
    '',
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x00, 0xff]).toString('base64'),
    '--rel--',
    '--inner--',
    '--outer',
    'Content-Type: application/pdf; name="report.pdf"',
    'Content-Disposition: attachment; filename="report.pdf"',
    'Content-Transfer-Encoding: base64',
    '',
    Buffer.from('%PDF-1.4 binary \u0000 bytes').toString('base64'),
    '--outer',
    'Content-Type: text/plain; name=notes.txt',
    'Content-Disposition: attachment',
    '',
    'a text attachment',
    '--outer--',
  );

  test('nested multiparts get dotted partIds', () => {
    const parsed = parseRawMessage(mixed);
    assert.deepEqual(outline(parsed.payload), {
      partId: '',
      mimeType: 'multipart/mixed',
      filename: '',
      parts: [
        {
          partId: '0',
          mimeType: 'multipart/alternative',
          filename: '',
          parts: [
            { partId: '0.0', mimeType: 'text/plain', filename: '' },
            {
              partId: '0.1',
              mimeType: 'multipart/related',
              filename: '',
              parts: [
                { partId: '0.1.0', mimeType: 'text/html', filename: '' },
                { partId: '0.1.1', mimeType: 'image/png', filename: '' },
              ],
            },
          ],
        },
        { partId: '1', mimeType: 'application/pdf', filename: 'report.pdf' },
        { partId: '2', mimeType: 'text/plain', filename: 'notes.txt' },
      ],
    });
    assert.deepEqual(child(parsed.payload, 0).body, { size: 0 });
    assert.deepEqual(child(parsed.payload, 0, 1).body, { size: 0 });
  });

  test('attachments carry an attachmentId and no data; their bytes are in the map', () => {
    const parsed = parseRawMessage(mixed);
    const pdf = child(parsed.payload, 1);
    assert.equal(pdf.body.data, undefined);
    assert.deepEqual(attachmentBytes(parsed, pdf), Buffer.from('%PDF-1.4 binary \u0000 bytes'));
    assert.equal(pdf.body.size, Buffer.byteLength('%PDF-1.4 binary \u0000 bytes'));
    const notes = child(parsed.payload, 2);
    assert.equal(notes.body.data, undefined);
    assert.equal(attachmentBytes(parsed, notes).toString(), 'a text attachment');
  });

  test('an unnamed inline image is served as an attachment but is not counted as one', () => {
    const parsed = parseRawMessage(mixed);
    const image = child(parsed.payload, 0, 1, 1);
    assert.deepEqual(attachmentBytes(parsed, image), Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x00, 0xff]));
    assert.deepEqual(parsed.filenames, ['report.pdf', 'notes.txt']);
    assert.equal(parsed.hasAttachment, true);
    assert.equal(parsed.attachments.size, 3);
  });

  test('text of a mixed message is its inline plain text only', () => {
    const parsed = parseRawMessage(mixed);
    assert.equal(parsed.text, 'See the report.');
  });

  test('attachment ids are stable across parses and distinct for equal bytes in two parts', () => {
    const twin = crlf(
      'Content-Type: multipart/mixed; boundary=b',
      '',
      '--b',
      'Content-Disposition: attachment; filename=a.bin',
      '',
      'same',
      '--b',
      'Content-Disposition: attachment; filename=b.bin',
      '',
      'same',
      '--b--',
    );
    const first = parseRawMessage(twin);
    const second = parseRawMessage(twin);
    const ids = (p: ParsedMessage): (string | undefined)[] => (p.payload.parts ?? []).map((part) => part.body.attachmentId);
    assert.deepEqual(ids(first), ids(second));
    assert.notEqual(ids(first)[0], ids(first)[1]);
    assert.match(ids(first)[0] ?? '', /^[A-Za-z0-9_-]{20,}$/);
  });

  test('RFC 2231 and encoded-word filenames', () => {
    const parsed = parseRawMessage(
      crlf(
        'Content-Type: multipart/mixed; boundary=b',
        '',
        '--b',
        'Content-Type: application/octet-stream',
        "Content-Disposition: attachment; filename*=UTF-8''r%C3%A9sum%C3%A9.pdf",
        '',
        'x',
        '--b',
        'Content-Type: application/octet-stream',
        "Content-Disposition: attachment; filename*0*=iso-8859-1''na%EFve;",
        ' filename*1="-part two.txt"',
        '',
        'y',
        '--b',
        'Content-Type: image/jpeg; name="=?UTF-8?Q?f=C3=B6to.jpg?="',
        '',
        'z',
        '--b--',
      ),
    );
    assert.deepEqual(parsed.filenames, ['résumé.pdf', 'naïve-part two.txt', 'föto.jpg']);
  });

  test('a boundary that merely prefixes a longer line is not a delimiter', () => {
    const parsed = parseRawMessage(
      crlf('Content-Type: multipart/mixed; boundary=b', '', '--b', '', 'one', '--bb is text', '--b', '', 'two', '--b--'),
    );
    assert.equal(parsed.payload.parts?.length, 2);
    assert.equal(bodyText(child(parsed.payload, 0)), 'one\r\n--bb is text');
    assert.equal(bodyText(child(parsed.payload, 1)), 'two');
  });

  test('parts without headers default to text/plain; a missing close delimiter ends at the end', () => {
    const parsed = parseRawMessage(lf('Content-Type: multipart/mixed; boundary="x y"', '', '--x y', '', 'no headers', '--x y', 'Content-Type: text/plain', '', 'unterminated', ''));
    assert.deepEqual(
      (parsed.payload.parts ?? []).map((p) => [p.mimeType, bodyText(p)]),
      [
        ['text/plain', 'no headers'],
        ['text/plain', 'unterminated\n'],
      ],
    );
    assert.equal(parsed.text, 'no headers\nunterminated\n');
  });

  test('a multipart without any delimiter is kept as one leaf', () => {
    const parsed = parseRawMessage(crlf('Content-Type: multipart/mixed; boundary=zz', '', 'no parts here'));
    assert.equal(parsed.payload.parts, undefined);
    assert.equal(bodyText(parsed.payload), 'no parts here');
  });

  test('an attached message/rfc822 is served as an attachment, and a digest defaults to messages', () => {
    const parsed = parseRawMessage(
      crlf(
        'Content-Type: multipart/digest; boundary=d',
        '',
        '--d',
        '',
        'Subject: inner one',
        '',
        'inner body',
        '--d--',
      ),
    );
    const inner = child(parsed.payload, 0);
    assert.equal(inner.mimeType, 'message/rfc822');
    assert.match(attachmentBytes(parsed, inner).toString(), /Subject: inner one/);
    assert.equal(parsed.hasAttachment, false);
  });

  test('absurd nesting is rejected', () => {
    const depth = 60;
    const lines: string[] = ['Content-Type: multipart/mixed; boundary=b0', ''];
    for (let i = 1; i <= depth; i++) lines.push(`--b${i - 1}`, `Content-Type: multipart/mixed; boundary=b${i}`, '');
    lines.push(`--b${depth}`, '', 'deep');
    assertInvalid(crlf(...lines), /nested more than/);
  });
});

describe('parseRawMessage: snippets', () => {
  test('whitespace collapses and the snippet stops at 200 characters', () => {
    const words = Array.from({ length: 100 }, (_, i) => `word${i}`).join(' \r\n\t ');
    const parsed = parseRawMessage(Buffer.from(`Subject: s\r\n\r\n${words}`));
    assert.equal(parsed.snippet.length <= 200, true);
    assert.equal(parsed.snippet.startsWith('word0 word1 word2'), true);
    assert.doesNotMatch(parsed.snippet, /\s{2}|[\r\n\t]/);
    assert.equal(parsed.snippet, words.replace(/\s+/g, ' ').slice(0, 200).trimEnd());
  });

  test('the cut counts characters, not UTF-16 units, so no emoji is split', () => {
    const parsed = parseRawMessage(Buffer.from(`Subject: s\r\n\r\n${'😀'.repeat(250)}`));
    assert.equal(Array.from(parsed.snippet).length, 200);
    assert.equal(parsed.snippet, '😀'.repeat(200));
  });
});

describe('parseRawMessage: malformed input', () => {
  test('no blank line between headers and body', () => {
    assertInvalid(crlf('From: a@example.com', 'Subject: x'), /No blank line separates the headers from the body/);
  });

  test('no headers at all', () => {
    assertInvalid(Buffer.alloc(0), /no header fields/);
    assertInvalid(crlf('', 'just a body'), /no header fields/);
  });

  test('a line in the header block that is not a header', () => {
    assertInvalid(crlf('From: a@example.com', 'this is not a header', '', 'b'), /Line 2 of the header block is not a header field/);
    assertInvalid(crlf(' starts folded: x', '', 'b'), /Line 1/);
    assertInvalid(crlf('Hello world, no headers here.', '', 'b'), /Line 1/);
  });

  test('binary garbage', () => {
    const garbage = Buffer.from(Array.from({ length: 512 }, (_, i) => (i * 7919 + 13) % 256));
    assertInvalid(garbage, /binary data|not a header/);
    assertInvalid(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x00]), /binary data|not a header/);
    assertInvalid(Buffer.from('Subject: a\u0000b\r\n\r\nbody'), /binary data/);
  });
});

describe('composeRawMessage', () => {
  test('text only round-trips with every field', async () => {
    const raw = await composeRawMessage({
      from: 'Amy Pond <amy@example.com>',
      to: 'bob@example.org, Carol <carol@example.net>',
      cc: 'dave@example.com',
      bcc: 'eve@example.com',
      subject: 'Plain round trip',
      text: 'Hello,\nthis is the text.',
      date: new Date('2024-06-14T07:30:00Z'),
      messageId: '<fixed-id@example.com>',
    });
    const parsed = parseRawMessage(raw);
    assert.equal(parsed.payload.mimeType, 'text/plain');
    assert.equal(parsed.from, 'Amy Pond <amy@example.com>');
    assert.match(parsed.to, /bob@example\.org/);
    assert.match(parsed.to, /Carol <carol@example\.net>/);
    assert.equal(parsed.cc, 'dave@example.com');
    assert.equal(parsed.bcc, 'eve@example.com', 'Bcc is kept, as on Gmail sent mail');
    assert.equal(parsed.subject, 'Plain round trip');
    assert.equal(parsed.date?.toISOString(), '2024-06-14T07:30:00.000Z');
    assert.equal(parsed.messageId, '<fixed-id@example.com>');
    // The composer writes CRLF line ends and ends a single-part body with one; both are body bytes.
    assert.equal(parsed.text, 'Hello,\r\nthis is the text.\r\n');
    assert.equal(parsed.sizeEstimate, raw.length);
  });

  test('uses CRLF line ends, and generates Date and Message-ID when not given', async () => {
    const raw = await composeRawMessage({ from: 'a@example.com', to: 'b@example.com', subject: 's', text: 't' });
    assert.doesNotMatch(raw.toString('latin1'), /[^\r]\n/);
    const parsed = parseRawMessage(raw);
    assert.ok(parsed.date instanceof Date);
    assert.match(parsed.messageId ?? '', /^<.+@.+>$/);
  });

  test('non-ASCII subject, names and body survive the encoders', async () => {
    const text = 'Grüße, ½ price — 😀 '.repeat(10);
    const raw = await composeRawMessage({
      from: 'Zoë Ünal <zoe@example.com>',
      to: 'Jörg <joerg@example.de>',
      subject: 'Café ☕ meeting with a subject long enough to need folding across lines 日本語',
      text,
    });
    assert.match(raw.toString('latin1'), /=\?UTF-8\?/, 'headers are encoded words on the wire');
    const parsed = parseRawMessage(raw);
    assert.equal(parsed.subject, 'Café ☕ meeting with a subject long enough to need folding across lines 日本語');
    assert.equal(parsed.from, 'Zoë Ünal <zoe@example.com>');
    assert.equal(parsed.to, 'Jörg <joerg@example.de>');
    assert.equal(parsed.text, `${text}\r\n`);
  });

  test('text and html become multipart/alternative', async () => {
    const raw = await composeRawMessage({
      from: 'a@example.com',
      to: 'b@example.com',
      subject: 'alt',
      text: 'plain body',
      html: '<p>html <b>body</b></p>',
    });
    const parsed = parseRawMessage(raw);
    assert.deepEqual(outline(parsed.payload), {
      partId: '',
      mimeType: 'multipart/alternative',
      filename: '',
      parts: [
        { partId: '0', mimeType: 'text/plain', filename: '' },
        { partId: '1', mimeType: 'text/html', filename: '' },
      ],
    });
    assert.equal(parsed.text, 'plain body');
    assert.equal(bodyText(child(parsed.payload, 1)), '<p>html <b>body</b></p>');
  });

  test('html only gives text from the stripped html', async () => {
    const raw = await composeRawMessage({ from: 'a@example.com', to: 'b@example.com', subject: 'h', html: '<p>only&nbsp;html</p>' });
    const parsed = parseRawMessage(raw);
    assert.equal(parsed.payload.mimeType, 'text/html');
    assert.equal(parsed.text.trim(), 'only html');
  });

  test('attachments round-trip byte for byte, with unicode filenames', async () => {
    const binary = Buffer.from(Array.from({ length: 3000 }, (_, i) => (i * 31) % 256));
    const raw = await composeRawMessage({
      from: 'a@example.com',
      to: 'b@example.com',
      subject: 'files',
      text: 'see attached',
      html: '<p>see attached</p>',
      attachments: [
        { filename: 'data.bin', contentType: 'application/octet-stream', content: binary },
        { filename: 'résumé with a rather long name to force continuations.pdf', contentType: 'application/pdf', content: Buffer.from('%PDF') },
        { filename: 'notes.txt', contentType: 'text/plain', content: Buffer.from('text attachment\n') },
      ],
    });
    const parsed = parseRawMessage(raw);
    assert.deepEqual(outline(parsed.payload), {
      partId: '',
      mimeType: 'multipart/mixed',
      filename: '',
      parts: [
        {
          partId: '0',
          mimeType: 'multipart/alternative',
          filename: '',
          parts: [
            { partId: '0.0', mimeType: 'text/plain', filename: '' },
            { partId: '0.1', mimeType: 'text/html', filename: '' },
          ],
        },
        { partId: '1', mimeType: 'application/octet-stream', filename: 'data.bin' },
        { partId: '2', mimeType: 'application/pdf', filename: 'résumé with a rather long name to force continuations.pdf' },
        { partId: '3', mimeType: 'text/plain', filename: 'notes.txt' },
      ],
    });
    assert.deepEqual(attachmentBytes(parsed, child(parsed.payload, 1)), binary);
    assert.equal(child(parsed.payload, 1).body.size, 3000);
    assert.deepEqual(attachmentBytes(parsed, child(parsed.payload, 2)), Buffer.from('%PDF'));
    assert.deepEqual(attachmentBytes(parsed, child(parsed.payload, 3)), Buffer.from('text attachment\n'));
    assert.equal(parsed.hasAttachment, true);
    assert.equal(parsed.filenames.length, 3);
    assert.equal(parsed.text, 'see attached');
  });

  test('a string that looks like a path is content, never a file to read', async () => {
    const raw = await composeRawMessage({ from: 'a@example.com', to: 'b@example.com', subject: 'p', text: '/etc/passwd' });
    assert.equal(parseRawMessage(raw).text, '/etc/passwd\r\n');
  });
});
