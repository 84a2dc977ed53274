import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  compileSearchQuery,
  InvalidSearchQuery,
  labelSearchKey,
  type SearchableMessage,
  type SearchQueryOptions,
} from '../../emulators/google/gmail/searchQuery.ts';

// A mailbox's user labels; the lookup compares by labelSearchKey as the emulator is advised to.
const userLabels = [
  { id: 'Label_1', name: 'My Label' },
  { id: 'Label_2', name: 'Work/Projects' },
  { id: 'Label_3', name: 'receipts' },
];
const options: SearchQueryOptions = {
  labelIdForName: (name) =>
    userLabels.find((l) => l.id === name || labelSearchKey(l.name) === labelSearchKey(name))?.id,
  now: new Date('2024-06-15T12:00:00Z'),
};

function message(overrides: Partial<SearchableMessage> = {}): SearchableMessage {
  return {
    from: 'Amy Pond <amy@example.com>',
    to: 'Bob <bob@example.org>',
    cc: 'carol@example.net',
    bcc: 'dave@example.com',
    subject: 'Dinner and a movie',
    text: 'See you at the\ncinema on Friday. Bring popcorn!',
    labelIds: ['INBOX', 'UNREAD', 'IMPORTANT', 'Label_1'],
    internalDate: Date.parse('2024-06-10T12:00:00Z'),
    hasAttachment: false,
    filenames: [],
    ...overrides,
  };
}

function matches(q: string, m: SearchableMessage = message(), opts: SearchQueryOptions = options): boolean {
  return compileSearchQuery(q, opts)(m);
}

function assertInvalid(q: string, messagePattern: RegExp): void {
  assert.throws(() => compileSearchQuery(q, options), (error: unknown) => {
    assert.ok(error instanceof InvalidSearchQuery, `expected InvalidSearchQuery for ${q}`);
    assert.match(error.message, messagePattern);
    return true;
  });
}

describe('compileSearchQuery: address and subject operators', () => {
  test('empty and blank queries match everything', () => {
    assert.equal(matches(''), true);
    assert.equal(matches('   '), true);
  });

  test('from: matches the name or the address, case-insensitively, by substring', () => {
    assert.equal(matches('from:amy'), true);
    assert.equal(matches('from:POND'), true);
    assert.equal(matches('from:amy@example.com'), true);
    assert.equal(matches('from:example.com'), true);
    assert.equal(matches('from:bob'), false);
  });

  test('to:, cc: and bcc: each read only their own header', () => {
    assert.equal(matches('to:bob'), true);
    assert.equal(matches('to:carol'), false);
    assert.equal(matches('cc:carol'), true);
    assert.equal(matches('cc:bob'), false);
    assert.equal(matches('bcc:dave'), true);
    assert.equal(matches('bcc:carol'), false);
  });

  test('deliveredto: reads every recipient header', () => {
    assert.equal(matches('deliveredto:carol'), true);
    assert.equal(matches('deliveredto:dave'), true);
    assert.equal(matches('deliveredto:amy'), false);
  });

  test('me stands for userEmail when it is given, and is a plain word otherwise', () => {
    const mine = { ...options, userEmail: 'amy@example.com' };
    assert.equal(matches('from:me', message(), mine), true);
    assert.equal(matches('to:me', message(), mine), false);
    assert.equal(matches('from:me'), false);
    assert.equal(matches('from:me', message({ from: 'me@example.com' })), true);
  });

  test('operator names are case-insensitive', () => {
    assert.equal(matches('FROM:amy'), true);
    assert.equal(matches('Subject:dinner'), true);
  });

  test('subject: with a word, a quoted phrase and a scoped group', () => {
    assert.equal(matches('subject:dinner'), true);
    assert.equal(matches('subject:popcorn'), false);
    assert.equal(matches('subject:"dinner and a"'), true);
    assert.equal(matches('subject:"a dinner"'), false);
    assert.equal(matches('subject:(movie dinner)'), true);
    assert.equal(matches('subject:(movie popcorn)'), false);
    assert.equal(matches('subject:{popcorn movie}'), true);
    assert.equal(matches('subject:{popcorn cinema}'), false);
  });

  test('a scope applies only to bare words; operators inside keep their own field', () => {
    assert.equal(matches('subject:(dinner from:amy)'), true);
    assert.equal(matches('subject:(dinner from:bob)'), false);
    assert.equal(matches('subject:(dinner -popcorn)'), true);
    assert.equal(matches('subject:(dinner -movie)'), false);
  });
});

describe('compileSearchQuery: free text', () => {
  test('words match from, to, subject and body by case-insensitive substring', () => {
    assert.equal(matches('dinner'), true);
    assert.equal(matches('POPCORN'), true);
    assert.equal(matches('amy'), true);
    assert.equal(matches('bob'), true);
    assert.equal(matches('pop'), true);
    assert.equal(matches('lasagna'), false);
  });

  test('free text does not read cc, bcc or labels', () => {
    assert.equal(matches('carol'), false);
    assert.equal(matches('dave'), false);
    assert.equal(matches('Label_1'), false);
  });

  test('quoted phrases match in order, across line breaks', () => {
    assert.equal(matches('"see you at the cinema"'), true);
    assert.equal(matches('"cinema the"'), false);
    assert.equal(matches('"bring popcorn!"'), true);
  });

  test('regular expression characters are literal', () => {
    assert.equal(matches('popcorn!'), true);
    assert.equal(matches('pop.orn'), false);
    assert.equal(matches('a+b', message({ text: 'a+b=c' })), true);
    assert.equal(matches('[x]', message({ text: 'array[x]' })), true);
  });

  test('an unknown name:value is plain text, as in Gmail', () => {
    assert.equal(matches('https://example.com/x', message({ text: 'go to https://example.com/x now' })), true);
    assert.equal(matches('10:30', message({ text: 'meet at 10:30' })), true);
    assert.equal(matches('10:30'), false);
  });

  test('an empty phrase is ignored', () => {
    assert.equal(matches('""'), true);
    assert.equal(matches('"" lasagna'), false);
  });
});

describe('compileSearchQuery: labels and folders', () => {
  test('label: by name, ignoring case, with - standing for a space or a nesting slash', () => {
    assert.equal(matches('label:"My Label"'), true);
    assert.equal(matches('label:my-label'), true);
    assert.equal(matches('label:MY-LABEL'), true);
    assert.equal(matches('label:work-projects', message({ labelIds: ['Label_2'] })), true);
    assert.equal(matches('label:work/projects', message({ labelIds: ['Label_2'] })), true);
    assert.equal(matches('label:receipts'), false);
  });

  test('label: by id, even when the lookup knows only names', () => {
    assert.equal(matches('label:Label_1'), true);
    assert.equal(matches('label:Label_3'), false);
    const namesOnly: SearchQueryOptions = { labelIdForName: () => undefined };
    assert.equal(matches('label:Label_1', message(), namesOnly), true);
    assert.equal(matches('label:Label_2', message(), namesOnly), false);
  });

  test('label: with system labels resolves without the lookup', () => {
    const none: SearchQueryOptions = { labelIdForName: () => undefined };
    assert.equal(matches('label:inbox', message(), none), true);
    assert.equal(matches('label:UNREAD', message(), none), true);
    assert.equal(matches('label:starred', message(), none), false);
    assert.equal(matches('label:category-social', message({ labelIds: ['CATEGORY_SOCIAL'] }), none), true);
  });

  test('the lookup is also asked with - read as a space, for an exact-name lookup', () => {
    const exact: SearchQueryOptions = { labelIdForName: (name) => (name === 'my label' ? 'Label_1' : undefined) };
    assert.equal(matches('label:my-label', message(), exact), true);
  });

  test('an unknown label matches nothing rather than failing', () => {
    assert.equal(matches('label:nope'), false);
    assert.equal(matches('-label:nope'), true);
  });

  test('labelSearchKey equates case, spaces, dashes and slashes', () => {
    assert.equal(labelSearchKey('My Label'), 'my-label');
    assert.equal(labelSearchKey(' Work / Projects '), 'work-projects');
    assert.equal(labelSearchKey('a--b'), 'a-b');
  });

  test('in: folders', () => {
    const cases: [string, string][] = [
      ['inbox', 'INBOX'],
      ['sent', 'SENT'],
      ['trash', 'TRASH'],
      ['spam', 'SPAM'],
      ['drafts', 'DRAFT'],
      ['draft', 'DRAFT'],
      ['starred', 'STARRED'],
      ['important', 'IMPORTANT'],
    ];
    for (const [folder, labelId] of cases) {
      assert.equal(matches(`in:${folder}`, message({ labelIds: [labelId] })), true, folder);
      assert.equal(matches(`in:${folder}`, message({ labelIds: ['Label_1'] })), false, folder);
      assert.equal(matches(`in:${folder.toUpperCase()}`, message({ labelIds: [labelId] })), true, folder);
    }
  });

  test('in:anywhere matches everything, in:<user label> works like label:', () => {
    assert.equal(matches('in:anywhere', message({ labelIds: ['TRASH'] })), true);
    assert.equal(matches('in:anywhere', message({ labelIds: [] })), true);
    assert.equal(matches('in:receipts', message({ labelIds: ['Label_3'] })), true);
    assert.equal(matches('in:receipts'), false);
  });

  test('is: unread, read, starred, important', () => {
    assert.equal(matches('is:unread'), true);
    assert.equal(matches('is:read'), false);
    assert.equal(matches('is:read', message({ labelIds: ['INBOX'] })), true);
    assert.equal(matches('is:unread', message({ labelIds: ['INBOX'] })), false);
    assert.equal(matches('is:starred'), false);
    assert.equal(matches('is:starred', message({ labelIds: ['STARRED'] })), true);
    assert.equal(matches('is:important'), true);
    assert.equal(matches('IS:UNREAD'), true);
  });

  test('category:', () => {
    assert.equal(matches('category:primary', message({ labelIds: ['CATEGORY_PERSONAL'] })), true);
    assert.equal(matches('category:social', message({ labelIds: ['CATEGORY_SOCIAL'] })), true);
    assert.equal(matches('category:promotions', message({ labelIds: ['CATEGORY_SOCIAL'] })), false);
    assert.equal(matches('category:updates', message({ labelIds: ['CATEGORY_UPDATES'] })), true);
    assert.equal(matches('category:forums', message({ labelIds: ['CATEGORY_FORUMS'] })), true);
  });

  test('has:userlabels and has:nouserlabels', () => {
    assert.equal(matches('has:userlabels'), true);
    assert.equal(matches('has:nouserlabels'), false);
    assert.equal(matches('has:userlabels', message({ labelIds: ['INBOX', 'CATEGORY_SOCIAL'] })), false);
    assert.equal(matches('has:nouserlabels', message({ labelIds: ['INBOX', 'CATEGORY_SOCIAL'] })), true);
  });
});

describe('compileSearchQuery: attachments and size', () => {
  const withFiles = message({ hasAttachment: true, filenames: ['Report-Q2.PDF', 'photo.jpg'] });

  test('has:attachment', () => {
    assert.equal(matches('has:attachment', withFiles), true);
    assert.equal(matches('has:attachment'), false);
    assert.equal(matches('-has:attachment'), true);
  });

  test('filename: matches a name or an extension, case-insensitively', () => {
    assert.equal(matches('filename:pdf', withFiles), true);
    assert.equal(matches('filename:report-q2.pdf', withFiles), true);
    assert.equal(matches('filename:photo.jpg', withFiles), true);
    assert.equal(matches('filename:docx', withFiles), false);
    assert.equal(matches('filename:pdf'), false);
  });

  test('larger:, smaller: and size: with byte counts and K/M units', () => {
    const big = message({ sizeEstimate: 3 * 1024 * 1024 });
    assert.equal(matches('larger:2M', big), true);
    assert.equal(matches('larger:3M', big), false);
    assert.equal(matches('smaller:4M', big), true);
    assert.equal(matches('smaller:100K', big), false);
    assert.equal(matches('size:1000', big), true);
    assert.equal(matches('larger:1000000', big), true);
    assert.equal(matches('smaller:1.5M', message({ sizeEstimate: 1024 * 1024 })), true);
  });

  test('size operators match nothing when the size is unknown', () => {
    assert.equal(matches('larger:1'), false);
    assert.equal(matches('smaller:1G'), false);
  });
});

describe('compileSearchQuery: dates', () => {
  const at = (iso: string): SearchableMessage => message({ internalDate: Date.parse(iso) });
  const utc: SearchQueryOptions = { ...options, timeZone: 'UTC' };

  test('after: is inclusive of the day start, before: exclusive, in UTC when asked', () => {
    assert.equal(matches('after:2024/06/10', at('2024-06-10T00:00:00Z'), utc), true);
    assert.equal(matches('after:2024/06/10', at('2024-06-09T23:59:59Z'), utc), false);
    assert.equal(matches('before:2024/06/10', at('2024-06-09T23:59:59Z'), utc), true);
    assert.equal(matches('before:2024/06/10', at('2024-06-10T00:00:00Z'), utc), false);
  });

  test('dates start at midnight Pacific time by default, as the Gmail API documents', () => {
    // 2024-01-15 00:00 PST is 08:00 UTC; 2024-07-01 00:00 PDT is 07:00 UTC.
    assert.equal(matches('after:2024/01/15', at('2024-01-15T07:59:59Z')), false);
    assert.equal(matches('after:2024/01/15', at('2024-01-15T08:00:00Z')), true);
    assert.equal(matches('before:2024/07/01', at('2024-07-01T06:59:59Z')), true);
    assert.equal(matches('before:2024/07/01', at('2024-07-01T07:00:00Z')), false);
  });

  test('YYYY-MM-DD, single-digit parts, MM/DD/YYYY and epoch seconds', () => {
    assert.equal(matches('after:2024-06-10', at('2024-06-10T00:00:00Z'), utc), true);
    assert.equal(matches('after:2024/6/9 before:2024/6/10', at('2024-06-09T12:00:00Z'), utc), true);
    assert.equal(matches('after:06/10/2024', at('2024-06-10T00:00:00Z'), utc), true);
    assert.equal(matches('after:06/10/2024', at('2024-06-09T23:00:00Z'), utc), false);
    const epoch = Date.parse('2024-06-10T12:00:00Z') / 1000;
    assert.equal(matches(`after:${epoch}`, at('2024-06-10T12:00:00Z')), true);
    assert.equal(matches(`after:${epoch}`, at('2024-06-10T11:59:59Z')), false);
    assert.equal(matches(`before:${epoch}`, at('2024-06-10T11:59:59Z')), true);
    assert.equal(matches(`before:${epoch}`, at('2024-06-10T12:00:00Z')), false);
  });

  test('newer: and older: are aliases of after: and before:', () => {
    assert.equal(matches('newer:2024/06/10', at('2024-06-10T00:00:00Z'), utc), true);
    assert.equal(matches('older:2024/06/10', at('2024-06-10T00:00:00Z'), utc), false);
  });

  test('newer_than: and older_than: in days, months and years, relative to now', () => {
    // now is 2024-06-15T12:00Z
    assert.equal(matches('newer_than:2d', at('2024-06-14T12:00:00Z')), true);
    assert.equal(matches('newer_than:2d', at('2024-06-13T11:00:00Z')), false);
    assert.equal(matches('older_than:2d', at('2024-06-13T11:00:00Z')), true);
    assert.equal(matches('older_than:2d', at('2024-06-14T12:00:00Z')), false);
    assert.equal(matches('newer_than:1m', at('2024-05-16T12:00:00Z')), true);
    assert.equal(matches('newer_than:1m', at('2024-05-14T12:00:00Z')), false);
    assert.equal(matches('older_than:1y', at('2023-06-14T12:00:00Z')), true);
    assert.equal(matches('older_than:1y', at('2023-06-16T12:00:00Z')), false);
    assert.equal(matches('newer_than:3D', at('2024-06-13T12:00:01Z')), true);
  });

  test('now defaults to the moment of compilation', () => {
    const recent = message({ internalDate: Date.now() - 60_000 });
    assert.equal(matches('newer_than:1d', recent, { labelIdForName: () => undefined }), true);
  });
});

describe('compileSearchQuery: boolean structure', () => {
  test('implicit AND, and explicit AND', () => {
    assert.equal(matches('from:amy subject:dinner'), true);
    assert.equal(matches('from:amy subject:lunch'), false);
    assert.equal(matches('from:amy AND subject:dinner'), true);
    assert.equal(matches('from:amy AND subject:lunch'), false);
  });

  test('negation of words, operators, phrases and groups', () => {
    assert.equal(matches('-lasagna'), true);
    assert.equal(matches('-dinner'), false);
    assert.equal(matches('-from:bob'), true);
    assert.equal(matches('-from:amy'), false);
    assert.equal(matches('-"dinner and"'), false);
    assert.equal(matches('-(from:amy subject:lunch)'), true);
    assert.equal(matches('-(from:amy subject:dinner)'), false);
    assert.equal(matches('-{from:bob subject:lunch}'), true);
    assert.equal(matches('--dinner'), true);
  });

  test('a dash inside a word or standing alone is not a negation', () => {
    assert.equal(matches('pop-corn', message({ text: 'pop-corn' })), true);
    assert.equal(matches('dinner - movie'), true);
  });

  test('OR and braces', () => {
    assert.equal(matches('from:bob OR from:amy'), true);
    assert.equal(matches('from:bob OR from:zed'), false);
    assert.equal(matches('from:bob OR from:zed OR subject:movie'), true);
    assert.equal(matches('{from:bob from:amy}'), true);
    assert.equal(matches('{from:bob from:zed}'), false);
    assert.equal(matches('{from:bob OR from:amy}'), true);
  });

  test('lower-case or is a word, not the operator', () => {
    assert.equal(matches('lasagna or dinner'), false);
    assert.equal(matches('lasagna OR dinner'), true);
  });

  test('OR binds tighter than the implicit AND', () => {
    // a b OR c  ==  a AND (b OR c)
    assert.equal(matches('from:bob subject:lunch OR subject:dinner'), false);
    assert.equal(matches('from:amy subject:lunch OR subject:dinner'), true);
    assert.equal(matches('subject:dinner OR from:bob subject:lunch'), false);
  });

  test('parentheses group, nest and combine with OR and negation', () => {
    assert.equal(matches('(from:bob subject:lunch) OR (from:amy subject:dinner)'), true);
    assert.equal(matches('(from:bob subject:lunch) OR (from:amy subject:lunch)'), false);
    assert.equal(matches('((from:amy) ((subject:dinner)))'), true);
    assert.equal(matches('from:amy (-is:starred OR lasagna)'), true);
    assert.equal(matches('(from:amy)(subject:dinner)'), true);
    assert.equal(matches('{(from:bob subject:dinner) (from:amy subject:movie)}'), true);
  });

  test('a compiled predicate can be reused across many messages', () => {
    const predicate = compileSearchQuery('from:amy -is:starred {subject:dinner label:receipts}', options);
    const mailbox = Array.from({ length: 1000 }, (_, i) =>
      message({ from: i % 2 === 0 ? 'amy@example.com' : 'bob@example.com', subject: i % 4 === 0 ? 'dinner' : 'lunch' }),
    );
    assert.equal(mailbox.filter(predicate).length, 250);
  });
});

describe('compileSearchQuery: malformed queries', () => {
  test('unbalanced parentheses, braces and quotes', () => {
    assertInvalid('(from:amy', /Unbalanced '\(' at position 0/);
    assertInvalid('from:amy)', /Unbalanced '\)' at position 8/);
    assertInvalid('((a) b', /Unbalanced '\('/);
    assertInvalid('{a b', /Unbalanced '\{'/);
    assertInvalid('a b}', /Unbalanced '\}'/);
    assertInvalid('(a}', /Unbalanced '\('/);
    assertInvalid('{a)', /Unbalanced '\{'/);
    assertInvalid('"dinner and', /Unbalanced quote/);
    assertInvalid('subject:"dinner', /Unbalanced quote/);
  });

  test('empty groups', () => {
    assertInvalid('()', /Empty parentheses/);
    assertInvalid('a {}', /Empty braces/);
  });

  test('dangling OR, AND and negation', () => {
    assertInvalid('OR a', /OR at position 0 needs a term before it/);
    assertInvalid('a OR', /OR at position 2 needs a term after it/);
    assertInvalid('a OR OR b', /OR at position 2 needs a term after it/);
    assertInvalid('(a OR)', /needs a term after it/);
    assertInvalid('AND a', /AND at position 0 needs a term before it/);
    assertInvalid('a AND', /AND at position 2 needs a term after it/);
  });

  test('operators without a value', () => {
    assertInvalid('from:', /from: at position 0 needs a value/);
    assertInvalid('subject: dinner', /subject: at position 0 needs a value/);
    assertInvalid('subject:""', /needs a value/);
  });

  test('unknown values of enumerated operators', () => {
    assertInvalid('is:snoozed', /Unknown is:snoozed.*unread, read, starred or important/);
    assertInvalid('has:drive', /Unknown has:drive/);
    assertInvalid('category:misc', /Unknown category:misc/);
  });

  test('bad dates, periods and sizes', () => {
    assertInvalid('after:yesterday', /after:yesterday .*is not a date/);
    assertInvalid('before:2024/13/01', /not a valid calendar date/);
    assertInvalid('after:2024/02/30', /not a valid calendar date/);
    assertInvalid('after:2024.01.01', /is not a date/);
    assertInvalid('newer_than:2w', /is not a period/);
    assertInvalid('older_than:d', /is not a period/);
    assertInvalid('larger:big', /is not a size/);
  });

  test('Gmail operators the emulator cannot evaluate fail loudly', () => {
    assertInvalid('list:info@example.com', /list: operator is not supported/);
    assertInvalid('rfc822msgid:abc@example.com', /rfc822msgid: operator is not supported/);
  });

  test('the error is an Error with its own name', () => {
    try {
      compileSearchQuery('(', options);
      assert.fail('expected a throw');
    } catch (error) {
      assert.ok(error instanceof Error);
      assert.equal((error as Error).name, 'InvalidSearchQuery');
    }
  });
});
