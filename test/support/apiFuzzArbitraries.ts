// Generators of the API fuzz test (test/http/apiFuzz.test.ts): whole HTTP requests derived from the
// server's own OpenAPI document. A quarter of the requests are clean (real ids and tokens of the
// fixture, documented enums and ranges, well-formed values by field name) so they get deep into the
// services; the rest carry boundary and hostile values (huge numbers, NUL bytes, deep nesting,
// prototype keys, truncated JSON, repeated and unknown query keys, odd content types), a few at a
// time so one does not hide behind another. Only data lives here: sending the requests and judging
// the answers is the test's business.

import fc from 'fast-check';

// ---------------------------------------------------------------------------------------------------
// The OpenAPI document, as far as the generators read it

export interface JsonSchema {
  $ref?: string;
  type?: string | string[];
  enum?: unknown[];
  anyOf?: JsonSchema[];
  oneOf?: JsonSchema[];
  properties?: Record<string, JsonSchema>;
  additionalProperties?: boolean | JsonSchema;
  required?: string[];
  items?: JsonSchema;
  maxItems?: number;
  minimum?: number;
  maximum?: number;
  example?: unknown;
  examples?: unknown[];
}

interface OpenApiParameter {
  in: string;
  name: string;
  schema?: JsonSchema;
}

interface OpenApiOperation {
  parameters?: OpenApiParameter[];
  requestBody?: { content?: Record<string, { schema?: JsonSchema }> };
}

export interface OpenApiDocument {
  paths: Record<string, Record<string, OpenApiOperation>>;
  components?: { schemas?: Record<string, JsonSchema> };
}

/** One method of one documented path, with what a request to it may carry. */
export interface FuzzOperation {
  method: string;
  /** The documented path, e.g. `/elements/api-v2/instances/{id}`. */
  route: string;
  pathParams: string[];
  query: { name: string; schema: JsonSchema }[];
  body?: { schema: JsonSchema; contentTypes: string[] };
  /** platform: `User …, Organization …`; hub: also `Element <token>`; none: a public page. */
  auth: 'platform' | 'hub' | 'none';
}

const HTTP_METHODS = ['get', 'post', 'put', 'patch', 'delete'];

/** Every path and method of the document, with $refs resolved, plus the given undocumented ones. */
export function fuzzOperations(doc: OpenApiDocument, undocumented: FuzzOperation[] = []): FuzzOperation[] {
  const operations: FuzzOperation[] = [];
  for (const [route, methods] of Object.entries(doc.paths)) {
    for (const [method, operation] of Object.entries(methods)) {
      if (!HTTP_METHODS.includes(method)) continue;
      const parameters = operation.parameters ?? [];
      const content = operation.requestBody?.content ?? {};
      const bodySchema = Object.values(content)[0]?.schema;
      operations.push({
        method: method.toUpperCase(),
        route,
        pathParams: [...route.matchAll(/\{([^}]+)\}/g)].map((match) => match[1]!),
        query: parameters.filter((p) => p.in === 'query').map((p) => ({ name: p.name, schema: resolve(doc, p.schema ?? {}) })),
        ...(bodySchema ? { body: { schema: resolveDeep(doc, bodySchema), contentTypes: Object.keys(content) } } : {}),
        auth: route.includes('/hubs/') ? 'hub' : 'platform',
      });
    }
  }
  return [...operations, ...undocumented];
}

function resolve(doc: OpenApiDocument, schema: JsonSchema): JsonSchema {
  if (!schema.$ref) return schema;
  const name = schema.$ref.replace('#/components/schemas/', '');
  const target = doc.components?.schemas?.[name];
  if (!target) throw new Error(`the OpenAPI document has no schema ${schema.$ref}`);
  return resolve(doc, target);
}

function resolveDeep(doc: OpenApiDocument, schema: JsonSchema, depth = 0): JsonSchema {
  const resolved = resolve(doc, schema);
  if (depth > 8) return resolved;
  const inner = (s: JsonSchema) => resolveDeep(doc, s, depth + 1);
  return {
    ...resolved,
    ...(resolved.properties ? { properties: Object.fromEntries(Object.entries(resolved.properties).map(([k, v]) => [k, inner(v)])) } : {}),
    ...(resolved.items ? { items: inner(resolved.items) } : {}),
    ...(resolved.anyOf ? { anyOf: resolved.anyOf.map(inner) } : {}),
    ...(resolved.oneOf ? { oneOf: resolved.oneOf.map(inner) } : {}),
  };
}

// ---------------------------------------------------------------------------------------------------
// What the fixture knows: credentials, real ids, well-formed values by name

export interface FuzzTargets {
  credentials: { user: string; organization: string };
  /** Another organization's valid credentials: its calls must see none of the first one's data. */
  otherCredentials: { user: string; organization: string };
  /**
   * Element tokens of real instances. Only the first (of an instance never deleted) counts as valid:
   * the others may be gone by the time they are used, so they are sent from stranger addresses.
   */
  elementTokens: string[];
  /** Existing ids by the path segment naming their collection (`instances`, `messages`, `events`, …). */
  ids: Record<string, string[]>;
  /** Ids that must survive the run: read, never the target of PUT, PATCH or DELETE. */
  keep: Record<string, string[]>;
  /** Well-formed values by query parameter or body field name (`code`, `to`, `nextPage`, …). */
  values: Record<string, unknown[]>;
  /** Where a request that may fail authentication comes from: failures are slowed per address. */
  strangerAddresses: string[];
  /** Where requests with valid credentials come from. */
  callerAddress: string;
}

/** A request as sent: the raw path and query (already percent-encoded), headers and body bytes. */
export interface FuzzRequest {
  operation: FuzzOperation;
  method: string;
  path: string;
  headers: Record<string, string>;
  body?: string | Uint8Array;
  /** caller: credentials the server must accept; stranger: anything else. */
  lane: 'caller' | 'stranger';
  localAddress: string;
}

// ---------------------------------------------------------------------------------------------------
// Hostile values

/** JSON text placed verbatim in a body: numbers JavaScript cannot hold, nesting, thousands of keys. */
class RawJson {
  constructor(readonly text: string) {}
  [fc.toStringMethod](): string {
    return `RawJson(${excerpt(this.text, 60)})`;
  }
}

const DEPTH = 5000;
const DEEP_ARRAY = `${'['.repeat(DEPTH)}${']'.repeat(DEPTH)}`;
const DEEP_OBJECT = `${'{"a":'.repeat(DEPTH)}1${'}'.repeat(DEPTH)}`;
const MANY_KEYS = `{${Array.from({ length: 5000 }, (_, i) => `"k${i}":${i}`).join(',')}}`;
const LONG = 'x'.repeat(100_000);

const HUGE_NUMBERS = ['2147483648', '-2147483649', '9007199254740993', '99999999999999999999', '1e300', '-1e300', '1e400', '-0', '1e-400', '0.1e1', '4294967296'];

const HOSTILE_TEXT = [
  '',
  ' ',
  '\u0000',
  'a\u0000b',
  '%00',
  '..',
  '../../../etc/passwd',
  '0',
  '-1',
  ...HUGE_NUMBERS,
  '1.5',
  'NaN',
  'Infinity',
  'null',
  'undefined',
  'true',
  '[]',
  '{}',
  '__proto__',
  'constructor',
  'toString',
  "'",
  '"',
  "' OR '1'='1",
  '\\',
  '${7*7}',
  '<script>alert(1)</script>',
  '\u202e\u0301',
  '😀',
  'ü',
  '\ud800',
  '\r\n',
  'a'.repeat(1000),
];

/** Text for a path parameter or query value: the list above, numbers, arbitrary unicode. */
const hostileText: fc.Arbitrary<string> = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom(...HOSTILE_TEXT) },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 12 }) },
  { weight: 1, arbitrary: fc.string({ unit: 'grapheme', maxLength: 12 }) },
  { weight: 1, arbitrary: fc.integer().map(String) },
);

const NUMBER_TEXT = ['0', '-1', '1', '2', '00', '01', '+1', ' 1', '1 ', '0x10', '1.0', '2147483647', '999999999999999', '1000000000000000', ...HUGE_NUMBERS];

/** The numbers where integer columns, JavaScript numbers and parsers change behaviour. */
const BOUNDARY_NUMBERS = ['0', '-1', '2147483647', '2147483648', '9007199254740993', '99999999999999999999', '1e300'];

const numberText: fc.Arbitrary<string> = fc.oneof(
  { weight: 2, arbitrary: fc.constantFrom(...BOUNDARY_NUMBERS) },
  { weight: 2, arbitrary: fc.constantFrom(...NUMBER_TEXT) },
  { weight: 1, arbitrary: fc.nat().map(String) },
  { weight: 1, arbitrary: fc.bigInt({ min: 0n, max: 10n ** 30n }).map(String) },
);

const prototypeKeys = fc.constantFrom('__proto__', 'constructor', 'prototype', 'toString', 'valueOf', 'hasOwnProperty', 'isPrototypeOf', '__defineGetter__');

const prototypeObject: fc.Arbitrary<Record<string, unknown>> = fc
  .tuple(prototypeKeys, fc.constantFrom<unknown>({}, { polluted: true }, { prototype: { polluted: true } }, 1, null, 'x', []))
  .map(([key, value]) => Object.fromEntries([[key, value]]));

/** A JSON value of the wrong kind for almost any field. */
const hostileJson: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom<unknown>(null, true, false, 0, -1, 1.5, [], {}, [null], ['\u0000'], { '': null }) },
  { weight: 3, arbitrary: fc.constantFrom(...HOSTILE_TEXT) },
  { weight: 2, arbitrary: fc.constantFrom(...HUGE_NUMBERS).map((n) => new RawJson(n)) },
  { weight: 1, arbitrary: fc.constantFrom(new RawJson(DEEP_ARRAY), new RawJson(DEEP_OBJECT), new RawJson(MANY_KEYS), LONG) },
  { weight: 1, arbitrary: prototypeObject },
  { weight: 1, arbitrary: fc.string({ unit: 'grapheme', maxLength: 20 }) },
  { weight: 1, arbitrary: fc.oneof(fc.integer(), fc.double()) },
  { weight: 1, arbitrary: fc.array(fc.oneof(fc.string({ maxLength: 5 }), fc.integer()), { maxLength: 4 }) },
);

// ---------------------------------------------------------------------------------------------------
// Query values by parameter name: the shapes the server decodes

const b64 = (text: string) => Buffer.from(text).toString('base64url');

/** The events API's page token is base64url of `[createdAt, id]`: feed it every number and shape. */
const eventPageToken: fc.Arbitrary<string> = fc.oneof(
  fc
    .tuple(fc.oneof(fc.constantFrom('1.5', '1e300', '-1e300', '1e400', '9007199254740993', '99999999999999999999', '-1', '0', '-0', '"1"', 'null', 'true', '[]', '{}'), fc.nat().map(String)), fc.oneof(fc.constantFrom('x', '', '\u0000', 'a'.repeat(300)), fc.uuid(), fc.string({ maxLength: 8 })))
    .map(([createdAt, id]) => b64(`[${createdAt},${JSON.stringify(id)}]`)),
  fc.constantFrom(b64('[]'), b64('{}'), b64('[1]'), b64('[1,"x","y"]'), b64('[1,2]'), b64('null'), b64('"x"'), b64('[1,"x"'), b64(DEEP_ARRAY), '!!!', '====', 'e30', 'W10'),
);

/** changed-messages' cursor: a bare history id or base64url of `{v:1,h,p?}`. */
const changeCursor: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom('0', '1', '99999999999999999999', '999999999999999999999', ' 5 ', '-1', '1e3'),
  fc.bigInt({ min: 0n, max: 10n ** 21n }).map(String),
  fc
    .record({ v: fc.constantFrom<unknown>(1, 2, '1', null), h: fc.oneof(fc.constantFrom<unknown>('1', '99999999999999999999', '', 1, null, '\u0000'), fc.nat().map(String)), p: fc.constantFrom<unknown>(undefined, '', 'x', 1, '\u0000') })
    .map((cursor) => b64(JSON.stringify(cursor))),
);

const dateText: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom('2024-01-01', '2024-01-01T00:00:00Z', '2024-13-45T99:99:99Z', 'now', '0', '-1', '1e300', '99999999999999999999', '8640000000000001', '+275760-09-13T00:00:00.000Z', '-271821-04-20T00:00:00Z', '9999-12-31T23:59:59.999Z'),
  fc.date({ noInvalidDate: true }).map((date) => date.toISOString()),
  fc.integer({ min: 0, max: 4_102_444_800_000 }).map(String),
);

const whereText: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom(
    "q='from:bob subject:invoice'",
    "labelIds IN ('INBOX','UNREAD')",
    "labelIds = 'INBOX'",
    "labelId='INBOX'",
    'includeSpamTrash = true',
    "q='a' AND labelIds='STARRED'",
    "q = 'unterminated",
    'q =',
    "labelIds IN ()",
    "labelIds IN ('a',",
    "unknown = 'x'",
    "q LIKE '%x%'",
    '((((',
    "q='\u0000'",
    `q='${'x'.repeat(2000)}'`,
    "labelIds IN (1, 2.5, true, 'x')",
    "q = 99999999999999999999",
    `${"q='a' AND ".repeat(200)}q='b'`,
  ),
  fc.string({ maxLength: 30 }),
);

const urlText: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom('https://auth.mycoolapp.com/oauth', 'http://127.0.0.1:1/x', 'http://[::1]/', 'javascript:alert(1)', 'ftp://x', '//no-scheme', 'http://', 'http://169.254.169.254/latest', 'file:///etc/passwd', 'https://a.b/%00'),
  fc.webUrl(),
);

/** Shapes of well-known names, whatever route documents them. */
const BY_NAME: Record<string, fc.Arbitrary<unknown>> = {
  nextPage: eventPageToken,
  cursor: changeCursor,
  from: dateText,
  to: dateText,
  where: whereText,
  callbackUrl: urlText,
  url: urlText,
  scope: fc.constantFrom('https://www.googleapis.com/auth/gmail.readonly', '', 'a b c', 'openid'),
};

// ---------------------------------------------------------------------------------------------------
// Well-formed values from a schema, with a field now and then replaced by a hostile value

const ABSENT = Symbol('absent');

/** Values for a field by its name: the fixture's real ones and, unless clean ones are asked for, shapes. */
function knownValues(g: Generation, name: string | undefined): fc.Arbitrary<unknown> | undefined {
  if (name === undefined) return undefined;
  const real = g.targets.values[name];
  if (!g.hostile && real && real.length > 0) return fc.constantFrom(...real);
  const shaped = BY_NAME[name];
  const options = [...(real && real.length > 0 ? [{ weight: 3, arbitrary: fc.constantFrom(...real) }] : []), ...(shaped ? [{ weight: 1, arbitrary: shaped }] : [])];
  return options.length > 0 ? fc.oneof(...options) : undefined;
}

/**
 * How a request is built. Clean: existing ids, documented parameters and schema-shaped bodies only, so
 * requests get deep into the services; hostile: every part may carry something wrong.
 */
interface Generation {
  targets: FuzzTargets;
  hostile: boolean;
}

/** A value the schema accepts (or, hostile, close to it), using real values for fields the fixture knows. */
function schemaValue(schema: JsonSchema, g: Generation, name?: string, depth = 0): fc.Arbitrary<unknown> {
  // The values known for an array field are its items'.
  const known = schema.type === 'array' ? undefined : knownValues(g, name);
  const generated = fromSchema(schema, g, name, depth);
  if (!known) return generated;
  return g.hostile ? fc.oneof({ weight: 3, arbitrary: known }, { weight: 1, arbitrary: generated }) : known;
}

function fromSchema(schema: JsonSchema, g: Generation, name: string | undefined, depth: number): fc.Arbitrary<unknown> {
  if (schema.enum && schema.enum.length > 0) return fc.constantFrom(...schema.enum);
  const alternatives = schema.anyOf ?? schema.oneOf;
  if (alternatives && alternatives.length > 0) return fc.oneof(...alternatives.map((s) => fromSchema(s, g, name, depth)));
  const types = Array.isArray(schema.type) ? schema.type : schema.type ? [schema.type] : [];
  if (types.length > 1) return fc.oneof(...types.map((type) => fromSchema({ ...schema, type }, g, name, depth)));
  const examples = [...(schema.examples ?? []), ...(schema.example !== undefined ? [schema.example] : [])];
  switch (types[0]) {
    case 'object':
      return objectValue(schema, g, depth);
    case 'array': {
      const items = schema.items ?? {};
      return fc.array(mutated(schemaValue(items, g, name, depth + 1), g), { maxLength: Math.min(schema.maxItems ?? 4, 4) });
    }
    case 'integer':
      return fc.integer({ min: schema.minimum ?? -1000, max: schema.maximum ?? 1_000_000 });
    case 'number':
      return fc.oneof(fc.integer({ min: schema.minimum ?? -1000, max: schema.maximum ?? 1_000_000 }), fc.double({ noNaN: true, noDefaultInfinity: true }));
    case 'boolean':
      return fc.boolean();
    case 'string':
      return examples.length > 0 ? fc.oneof(fc.constantFrom(...examples), fc.string({ maxLength: 20 })) : fc.string({ maxLength: 20 });
    default:
      return depth > 2 ? fc.jsonValue({ maxDepth: 1 }) : fc.oneof(fc.jsonValue({ maxDepth: 2 }), fc.dictionary(fc.string({ maxLength: 6 }), fc.string({ maxLength: 6 }), { maxKeys: 3 }));
  }
}

function objectValue(schema: JsonSchema, g: Generation, depth: number): fc.Arbitrary<unknown> {
  const properties = Object.entries(schema.properties ?? {});
  if (properties.length === 0 || depth > 4) {
    return fc.dictionary(fc.string({ maxLength: 8 }), fc.oneof(fc.string({ maxLength: 8 }), fc.integer(), fc.boolean()), { maxKeys: 3 });
  }
  const required = new Set(schema.required ?? []);
  // Every documented field is present most of the time, so requests get past the first check.
  const fields = properties.map(([key, propertySchema]) => {
    const value = mutated(schemaValue(propertySchema, g, key, depth + 1), g);
    return required.has(key) ? value.map((v) => [key, v] as const) : fc.oneof({ weight: 8, arbitrary: value.map((v) => [key, v] as const) }, { weight: 1, arbitrary: fc.constant([key, ABSENT] as const) });
  });
  return fc.tuple(...fields).map((entries) => Object.fromEntries(entries.filter(([, value]) => value !== ABSENT)));
}

/** Mostly the value; now and then something of the wrong kind in its place. */
function mutated(value: fc.Arbitrary<unknown>, g: Generation): fc.Arbitrary<unknown> {
  if (!g.hostile) return value;
  return fc.oneof({ withCrossShrink: true }, { weight: 10, arbitrary: value }, { weight: 1, arbitrary: hostileJson });
}

/** Keys no schema names: the prototype's own names, internal-looking ones, and many of them at once. */
const extraKeys: fc.Arbitrary<[string, unknown][]> = fc.array(
  fc.tuple(fc.oneof(prototypeKeys, fc.constantFrom('id', 'instanceId', 'organizationId', 'userId', 'token', '', '\u0000', 'a.b'), fc.string({ maxLength: 8 })), hostileJson),
  { maxLength: 3 },
);

// ---------------------------------------------------------------------------------------------------
// Bodies

function toJsonText(value: unknown): string {
  if (value instanceof RawJson) return value.text;
  if (Array.isArray(value)) return `[${value.map(toJsonText).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    // Object.keys sees own "__proto__" keys made by Object.fromEntries, which JSON.stringify also would.
    const record = value as Record<string, unknown>;
    return `{${Object.keys(record)
      .map((key) => `${JSON.stringify(key)}:${toJsonText(record[key])}`)
      .join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

interface BodyPart {
  body?: string | Uint8Array;
  contentType?: string;
}

const NOT_JSON = [
  'not json',
  '{',
  '}',
  "{'name':'x'}",
  '{"name":"x",}',
  '[1,]',
  'undefined',
  'NaN',
  '\u0000',
  '{"name":"a\u0000b"}',
  '\ufeff{"name":"x"}',
  '{"name":"x"}{"name":"y"}',
  '{"name":"x","name":"y"}',
  '{"__proto__":{"polluted":true}}',
  '{"constructor":{"prototype":{"polluted":true}}}',
  '"unterminated',
  '1e400',
  '-',
  '[]',
  '[{}]',
  'null',
  'true',
  '123',
  '"text"',
  '   ',
  `${'['.repeat(100_000)}`,
  DEEP_ARRAY,
  DEEP_OBJECT,
  MANY_KEYS,
];

const INVALID_UTF8 = [Uint8Array.from([0xff, 0xfe, 0x7b, 0x00, 0x7d, 0x00]), Uint8Array.from([0x7b, 0x22, 0x61, 0x22, 0x3a, 0x22, 0xc0, 0xae, 0x22, 0x7d]), Uint8Array.from([0x7b, 0x22, 0x61, 0x22, 0x3a, 0x22, 0xed, 0xa0, 0x80, 0x22, 0x7d])];

const ODD_CONTENT_TYPES = [
  'application/json; charset=utf-8',
  'Application/JSON',
  'application/json; charset=utf-16',
  'application/json;charset=iso-8859-1',
  'text/plain',
  'text/json',
  'application/x-www-form-urlencoded',
  'multipart/form-data',
  'multipart/form-data; boundary=',
  'application/octet-stream',
  'application/xml',
  '*/*',
  'application/vnd.api+json',
  'application/json, text/plain',
  'application/jsonx',
  ';',
];

const contentType: fc.Arbitrary<string | undefined> = fc.oneof(
  { weight: 14, arbitrary: fc.constant('application/json') },
  { weight: 2, arbitrary: fc.constantFrom(...ODD_CONTENT_TYPES) },
  { weight: 1, arbitrary: fc.constant(undefined) },
);

const BOUNDARY = 'fuzzBoundary7MA4YWxkTrZu0gW';

/** multipart/form-data with the fields as text parts and a file part; sometimes cut short or mislabelled. */
type MultipartShape = 'whole' | 'truncated' | 'wrong-boundary' | 'json-part';

function multipartBody(fields: unknown, only?: MultipartShape): fc.Arbitrary<BodyPart> {
  const shapes: MultipartShape[] = only ? [only] : ['whole', 'truncated', 'wrong-boundary', 'json-part'];
  return fc.tuple(fc.constantFrom(...shapes), fc.uint8Array({ maxLength: 64 }), fc.constantFrom('a.txt', '', '../../x', 'ü\u0000.bin')).map(([shape, file, filename]) => {
    const lines: string[] = [];
    const record = fields !== null && typeof fields === 'object' && !Array.isArray(fields) ? (fields as Record<string, unknown>) : { value: fields };
    if (shape === 'json-part') lines.push(`--${BOUNDARY}`, 'Content-Disposition: form-data; name="message"', '', toJsonText(record));
    else {
      for (const [key, value] of Object.entries(record)) {
        for (const item of Array.isArray(value) ? value : [value]) {
          lines.push(`--${BOUNDARY}`, `Content-Disposition: form-data; name="${key}"`, '', typeof item === 'string' ? item : toJsonText(item));
        }
      }
    }
    lines.push(`--${BOUNDARY}`, `Content-Disposition: form-data; name="file"; filename="${filename}"`, 'Content-Type: application/octet-stream', '', Buffer.from(file).toString('latin1'), `--${BOUNDARY}--`, '');
    const text = lines.join('\r\n');
    const body = Buffer.from(shape === 'truncated' ? text.slice(0, Math.floor(text.length / 2)) : text, 'latin1');
    return { body: new Uint8Array(body), contentType: `multipart/form-data; boundary=${shape === 'wrong-boundary' ? 'other' : BOUNDARY}` };
  });
}

function bodyFor(operation: FuzzOperation, g: Generation): fc.Arbitrary<BodyPart> {
  const none = fc.constant<BodyPart>({});
  if (!g.hostile) {
    if (!operation.body) return none;
    const multipart = operation.body.contentTypes.includes('multipart/form-data') ? [{ weight: 1, arbitrary: schemaValue(operation.body.schema, g).chain((fields) => multipartBody(fields, 'whole')) }] : [];
    return fc.oneof({ weight: 4, arbitrary: schemaValue(operation.body.schema, g).map((body): BodyPart => ({ body: toJsonText(body), contentType: 'application/json' })) }, ...multipart);
  }
  const raw = fc.oneof(
    { weight: 4, arbitrary: fc.constantFrom(...NOT_JSON) },
    { weight: 1, arbitrary: fc.constantFrom(...INVALID_UTF8) },
    { weight: 1, arbitrary: fc.constant(`{"name":"${'x'.repeat(1_100_000)}"}`) },
  );
  if (!operation.body) {
    const stray = fc.tuple(fc.oneof(raw, fc.jsonValue({ maxDepth: 2 }).map(toJsonText)), contentType).map(([body, type]): BodyPart => ({ body, ...(type ? { contentType: type } : {}) }));
    return fc.oneof({ weight: 8, arbitrary: none }, { weight: 1, arbitrary: stray });
  }
  const value = fc.tuple(schemaValue(operation.body.schema, g), extraKeys).map(([base, extras]) =>
    extras.length > 0 && base !== null && typeof base === 'object' && !Array.isArray(base) ? Object.fromEntries([...Object.entries(base), ...extras]) : base,
  );
  const json = fc.tuple(value, contentType).map(([body, type]): BodyPart => ({ body: toJsonText(body), ...(type ? { contentType: type } : {}) }));
  const truncated = fc.tuple(value, fc.nat()).map(([body, cut]): BodyPart => {
    const text = toJsonText(body);
    return { body: text.slice(0, text.length === 0 ? 0 : cut % text.length), contentType: 'application/json' };
  });
  const hostile = fc.tuple(raw, contentType).map(([body, type]): BodyPart => ({ body, ...(type ? { contentType: type } : {}) }));
  const multipart = operation.body.contentTypes.includes('multipart/form-data') ? [{ weight: 2, arbitrary: value.chain((fields) => multipartBody(fields)) }] : [];
  return fc.oneof({ withCrossShrink: true }, { weight: 10, arbitrary: json }, { weight: 2, arbitrary: truncated }, { weight: 4, arbitrary: hostile }, { weight: 1, arbitrary: none }, ...multipart);
}

// ---------------------------------------------------------------------------------------------------
// Path parameters and query strings

/** Percent-encoding that survives lone surrogates (sent as U+FFFD, which is what UTF-8 can carry). */
function encodeText(text: string): string {
  try {
    return encodeURIComponent(text);
  } catch {
    return encodeURIComponent(text.replace(/[\ud800-\udfff]/g, '\ufffd'));
  }
}

/** Already-encoded path or query fragments that percent-encoding of a value could not produce. */
const RAW_FRAGMENTS = ['..', '.', '%00', '%2e%2e', '%2F', '%2f..%2f', '%zz', '%', '%C0%AE', '%ED%A0%80', '%FF', ';', '%20', '*', '~', '%25', '%u0000'];

const DESTRUCTIVE = new Set(['PUT', 'PATCH', 'DELETE']);

/** The collection a path parameter names an item of: the literal segment before it. */
function collectionOf(route: string, param: string): string {
  const segments = route.split('/');
  const at = segments.indexOf(`{${param}}`);
  return at > 0 ? (segments[at - 1] ?? '') : '';
}

/** Whether the server could read the value as one of the kept ids ('01', ' 1', '1.0' all are 1). */
function isKept(value: string, kept: string[]): boolean {
  const trimmed = value.trim();
  return trimmed !== '' && kept.some((id) => trimmed === id || Number(trimmed) === Number(id));
}

/**
 * A path parameter, percent-encoded: an existing id of its collection (never a kept one for PUT, PATCH
 * or DELETE), boundary numbers, hostile text, or a raw fragment such as `..` or `%zz`.
 */
function pathParam(operation: FuzzOperation, param: string, method: string, g: Generation): fc.Arbitrary<string> {
  const { targets } = g;
  const collection = collectionOf(operation.route, param);
  const kept = targets.keep[collection] ?? [];
  const destructive = DESTRUCTIVE.has(method);
  const existing = [...(targets.ids[collection] ?? []), ...(destructive ? [] : kept)];
  if (!g.hostile && existing.length > 0) return fc.constantFrom(...existing).map(encodeText);
  const value = fc
    .oneof(
      { withCrossShrink: true },
      ...(existing.length > 0 ? [{ weight: 6, arbitrary: fc.constantFrom(...existing) }] : []),
      { weight: 3, arbitrary: numberText },
      { weight: 2, arbitrary: hostileText },
      { weight: 1, arbitrary: fc.oneof(fc.uuid(), fc.string({ unit: fc.constantFrom(...'0123456789abcdef'), minLength: 1, maxLength: 20 }), fc.string({ maxLength: 10 })) },
    )
    .filter((v) => !(destructive && isKept(v, kept)))
    .map(encodeText);
  return fc.oneof({ withCrossShrink: true }, { weight: 12, arbitrary: value }, { weight: 1, arbitrary: fc.constantFrom(...RAW_FRAGMENTS) });
}

const asQueryText = (value: unknown) => (typeof value === 'string' ? value : value instanceof RawJson ? value.text : toJsonText(value));

/** A value the parameter's schema (or the fixture) calls well-formed. */
function cleanQueryValue(name: string, schema: JsonSchema, g: Generation): fc.Arbitrary<string> {
  return schemaValue(schema, { ...g, hostile: false }, name).map(asQueryText);
}

/** Values just outside the schema (enum in the wrong case, range ± 1) and hostile text. */
function hostileQueryValue(schema: JsonSchema): fc.Arbitrary<string> {
  const boundaries = [
    ...(schema.minimum !== undefined ? [String(schema.minimum - 1), String(schema.minimum)] : []),
    ...(schema.maximum !== undefined ? [String(schema.maximum), String(schema.maximum + 1)] : []),
    ...(schema.enum ?? []).flatMap((e) => [String(e).toLowerCase(), ` ${String(e)}`]),
    ...(schema.type === 'boolean' ? ['TRUE', ' true ', '1', 'yes'] : []),
  ];
  return fc.oneof(...(boundaries.length > 0 ? [{ weight: 2, arbitrary: fc.constantFrom(...boundaries) }] : []), { weight: 1, arbitrary: numberText }, { weight: 2, arbitrary: hostileText });
}

const MAX_QUERY_LENGTH = 8000;

type QueryEntry = { key: string; value: string } | { raw: string };

/** Names services use internally that no query documents: a route spreading its query passes them on. */
const INTERNAL_NAMES = ['instanceId', 'organizationId', 'userId'];

/** Other keys no route documents: the prototype's, bracket syntax, empty and NUL. */
const UNKNOWN_QUERY_KEYS = ['id', 'tags', 'pageSize', '__proto__', 'constructor', 'toString', 'a[b]', 'a[]', '', '\u0000'];

function queryString(operation: FuzzOperation, g: Generation): fc.Arbitrary<string> {
  const documented = operation.query.map(({ name, schema }) => {
    const clean = cleanQueryValue(name, schema, g);
    const hostile = hostileQueryValue(schema);
    const entry = (value: string): QueryEntry => ({ key: name, value });
    return fc.record({
      clean: fc.oneof(fc.constant<QueryEntry[]>([]), clean.map((value) => [entry(value)])),
      mutated: fc.oneof(
        { weight: 1, arbitrary: hostile.map((value) => [entry(value)]) },
        // The same key twice (a=1&a=2): Fastify hands the route an array.
        { weight: 2, arbitrary: fc.tuple(clean, fc.oneof(clean, hostile)).map(([a, b]) => [entry(a), entry(b)]) },
      ),
    });
  });
  const unknownKey = fc.oneof(
    { weight: 6, arbitrary: fc.constantFrom(...INTERNAL_NAMES) },
    { weight: 2, arbitrary: fc.constantFrom(...UNKNOWN_QUERY_KEYS) },
    { weight: 1, arbitrary: fc.string({ maxLength: 6 }) },
  );
  const unknownValue = fc.oneof(numberText, hostileText);
  // Unknown keys, often twice: a service that spreads the query into its filter meets an array.
  const unknown = fc
    .tuple(unknownKey, fc.oneof({ weight: 1, arbitrary: fc.tuple(unknownValue) }, { weight: 2, arbitrary: fc.tuple(unknownValue, unknownValue) }))
    .map(([key, values]): QueryEntry[] => values.map((value) => ({ key, value })));
  const raw = fc
    .constantFrom(...RAW_FRAGMENTS, '=', '&&', 'a=%00', 'a', 'a=1=2', '__proto__[polluted]=1', 'constructor[prototype][polluted]=1', `a=${'%41'.repeat(2000)}`)
    .map((fragment): QueryEntry[] => [{ raw: fragment }]);
  const indices = [...documented.keys()];
  const none = fc.constant<QueryEntry[][]>([]);
  // A hostile query has one kind of anomaly and keeps everything else well-formed, so the anomaly is
  // not hidden behind the first check another bad value fails: one or two documented parameters
  // mutated (or repeated), unknown keys added, or fragments no encoder produces.
  // Cross-shrinking lets a shrunk counterexample lose anomalies that do not matter.
  const anomaly = g.hostile
    ? fc.oneof(
        { withCrossShrink: true },
        { weight: 1, arbitrary: fc.record({ mutatedAt: fc.constant<number[]>([]), extras: none }) },
        { weight: indices.length > 0 ? 3 : 0, arbitrary: fc.record({ mutatedAt: fc.subarray(indices, { minLength: Math.min(1, indices.length), maxLength: Math.min(2, indices.length) }), extras: none }) },
        { weight: 3, arbitrary: fc.record({ mutatedAt: fc.constant<number[]>([]), extras: fc.array(unknown, { minLength: 1, maxLength: 3 }) }) },
        { weight: 1, arbitrary: fc.record({ mutatedAt: fc.constant<number[]>([]), extras: fc.array(raw, { minLength: 1, maxLength: 2 }) }) },
      )
    : fc.constant({ mutatedAt: [] as number[], extras: [] as QueryEntry[][] });
  return fc.tuple(fc.tuple(...documented), anomaly).map(([groups, { mutatedAt, extras }]) => {
    const chosen = groups.flatMap((group, i) => (mutatedAt.includes(i) ? group.mutated : group.clean));
    const parts = [...chosen, ...extras.flat()].map((entry) => ('raw' in entry ? entry.raw : `${encodeText(entry.key)}=${encodeText(entry.value)}`));
    // Node refuses a request line and headers over 16 KB (431, before any route): keep the URL under it.
    while (parts.join('&').length > MAX_QUERY_LENGTH) parts.splice(parts.indexOf(parts.reduce((a, b) => (b.length > a.length ? b : a))), 1);
    return parts.length === 0 ? '' : `?${parts.join('&')}`;
  });
}

// ---------------------------------------------------------------------------------------------------
// Authorization and other headers

/** Header values undici will send: tab, printable ASCII and Latin-1. */
const headerText = (maxLength: number) =>
  fc.string({
    unit: fc
      .integer({ min: 0x20, max: 0xff })
      .filter((c) => c !== 0x7f)
      .map((c) => String.fromCharCode(c)),
    maxLength,
  });

/** Secrets and tokens the parser reads as one word (no whitespace, no comma). */
const tokenText = fc.stringMatching(/^[A-Za-z0-9._~+/=-]{1,48}$/);

type Part = [keyword: string, secret: string];

/** One of the many spellings the parser accepts: any order, any keyword case, extra whitespace. */
function spelled(parts: Part[]): fc.Arbitrary<string> {
  return fc
    .noBias(
      fc.record({
        order: fc.shuffledSubarray(parts, { minLength: parts.length, maxLength: parts.length }),
        keywordCase: fc.constantFrom('asIs', 'lower', 'upper'),
        gap: fc.integer({ min: 1, max: 4 }),
        lead: fc.integer({ min: 0, max: 6 }),
        trail: fc.integer({ min: 0, max: 6 }),
        afterComma: fc.integer({ min: 0, max: 3 }),
      }),
    )
    .map(({ order, keywordCase, gap, lead, trail, afterComma }) => {
      const word = (keyword: string) => (keywordCase === 'lower' ? keyword.toLowerCase() : keywordCase === 'upper' ? keyword.toUpperCase() : keyword);
      const text = order.map(([keyword, secret]) => `${word(keyword)}${' '.repeat(gap)}${secret}`).join(`,${' '.repeat(afterComma)}`);
      return `${' '.repeat(lead)}${text}${' '.repeat(trail)}`;
    });
}

interface AuthChoice {
  authorization?: string;
  lane: 'caller' | 'stranger';
}

function authorization(operation: FuzzOperation, targets: FuzzTargets): fc.Arbitrary<AuthChoice> {
  const { user, organization } = targets.credentials;
  const other = targets.otherCredentials;
  const [ownToken, ...otherTokens] = targets.elementTokens;
  const caller = (parts: fc.Arbitrary<Part[]>) => parts.chain(spelled).map((authorization): AuthChoice => ({ authorization, lane: 'caller' }));
  const stranger = (header: fc.Arbitrary<string | undefined>) => header.map((authorization): AuthChoice => ({ ...(authorization === undefined ? {} : { authorization }), lane: 'stranger' }));
  // Only the token of the instance that is never deleted counts as valid: a wrong Element token may
  // count as a failed authentication, and those come from other addresses.
  const wrongToken = fc.oneof(tokenText, ...(otherTokens.length > 0 ? [fc.constantFrom(...otherTokens)] : []));

  const callers =
    operation.auth === 'hub'
      ? fc.oneof(
          { weight: 6, arbitrary: caller(fc.constant<Part[]>([['User', user], ['Organization', organization], ['Element', ownToken!]])) },
          { weight: 1, arbitrary: caller(fc.constant<Part[]>([['User', user], ['Element', ownToken!]])) },
        )
      : fc.oneof(
          { weight: 6, arbitrary: caller(fc.constant<Part[]>([['User', user], ['Organization', organization]])) },
          { weight: 1, arbitrary: caller(fc.constant<Part[]>([['User', user], ['Organization', organization], ['Element', ownToken!]])) },
          { weight: 1, arbitrary: caller(fc.constant<Part[]>([['User', other.user], ['Organization', other.organization]])) },
        );
  const strangers = fc.oneof(
    stranger(fc.constantFrom(undefined, '', ' ', ',', 'Bearer abc', 'Basic dXNlcjpwYXNz', 'User', 'User ', 'Element x', 'null', `User ${user}`, `Organization ${organization}`)),
    stranger(fc.constantFrom(`User ${organization}, Organization ${user}`, `User ${user}, User ${user}, Organization ${organization}`, `User ${user}, Organization ${other.organization}`, `User ${user} ${organization}`, `User=${user}, Organization=${organization}`)),
    stranger(fc.tuple(tokenText, tokenText).chain(([u, o]) => spelled([['User', u], ['Organization', o]]))),
    stranger(fc.tuple(tokenText).chain(([o]) => spelled([['User', user], ['Organization', o]]))),
    stranger(headerText(80)),
    stranger(wrongToken.chain((token) => spelled([['User', user], ['Organization', organization], ['Element', token]]))),
    stranger(fc.constant(`User ${other.user}, Organization ${other.organization}, Element ${ownToken!}`)),
    stranger(fc.constantFrom(`User ${'x'.repeat(4000)}, Organization ${organization}`, `User ${user}\u00a0, Organization ${organization}`, `User ${user}, Organization ${organization}, Element a b`)),
    // A platform caller's header on a hub route lacks the Element part: refused like a stranger's.
    ...(operation.auth === 'hub' ? [stranger(spelled([['User', user], ['Organization', organization]]))] : []),
  );
  return fc.oneof({ weight: 6, arbitrary: callers }, { weight: 1, arbitrary: strangers });
}

const extraHeaders: fc.Arbitrary<Record<string, string>> = fc.oneof(
  { weight: 8, arbitrary: fc.constant({}) },
  {
    weight: 1,
    arbitrary: fc.constantFrom<Record<string, string>>(
      { accept: 'application/xml' },
      { accept: 'text/html' },
      { 'accept-encoding': 'gzip, br' },
      { 'content-encoding': 'gzip' },
      { 'x-forwarded-for': '203.0.113.9' },
      { 'x-http-method-override': 'DELETE' },
      { 'x-request-id': '\u00ff'.repeat(10) },
      { range: 'bytes=0-1' },
      { 'if-none-match': '*' },
      { cookie: '__proto__=1' },
      { origin: 'https://evil.example' },
    ),
  },
);

// ---------------------------------------------------------------------------------------------------
// Whole requests

const ALL_METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS'];

function operationRequest(operation: FuzzOperation, targets: FuzzTargets): fc.Arbitrary<FuzzRequest> {
  // A quarter of the requests are clean, so the services' deeper paths (and their 2xx) are reached too.
  const hostile = fc.oneof({ withCrossShrink: true }, { weight: 1, arbitrary: fc.constant(false) }, { weight: 3, arbitrary: fc.constant(true) });
  return hostile.chain((isHostile) => {
    const g: Generation = { targets, hostile: isHostile };
    // Now and then another method on the same path: the answer is still a JSON 404 or 405.
    const method = isHostile ? fc.oneof({ weight: 19, arbitrary: fc.constant(operation.method) }, { weight: 1, arbitrary: fc.constantFrom(...ALL_METHODS) }) : fc.constant(operation.method);
    return method.chain((chosen) => requestWith(operation, chosen, g));
  });
}

function requestWith(operation: FuzzOperation, chosen: string, g: Generation): fc.Arbitrary<FuzzRequest> {
  const { targets } = g;
  return fc
    .record({
      params: fc.tuple(...operation.pathParams.map((param) => pathParam(operation, param, chosen, g))),
      query: queryString(operation, g),
      auth: operation.auth === 'none' ? fc.constant<AuthChoice>({ lane: 'stranger' }) : authorization(operation, targets),
      body: chosen === 'GET' || chosen === 'HEAD' ? fc.constant<BodyPart>({}) : bodyFor(operation, g),
      headers: g.hostile ? extraHeaders : fc.constant({}),
      address: fc.constantFrom(...targets.strangerAddresses),
    })
    .map(({ params, query, auth, body, headers, address }): FuzzRequest => {
      let path = operation.route;
      operation.pathParams.forEach((param, i) => {
        path = path.replace(`{${param}}`, params[i]!);
      });
      const request: FuzzRequest = {
        operation,
        method: chosen,
        path: `${path}${query}`,
        headers: {
          ...headers,
          ...(auth.authorization !== undefined ? { authorization: auth.authorization } : {}),
          ...(body.contentType !== undefined ? { 'content-type': body.contentType } : {}),
        },
        ...(body.body !== undefined ? { body: body.body } : {}),
        lane: auth.lane,
        localAddress: auth.lane === 'caller' ? targets.callerAddress : address,
      };
      return Object.assign(request, { [fc.toStringMethod]: () => describeRequest(request, targets) });
    });
}

/** Requests to every operation, each operation equally likely. */
export function requestArbitrary(operations: FuzzOperation[], targets: FuzzTargets): fc.Arbitrary<FuzzRequest> {
  return fc.constantFrom(...operations).chain((operation) => operationRequest(operation, targets));
}

// ---------------------------------------------------------------------------------------------------
// Printing

export function excerpt(text: string, max: number): string {
  const shown = text.length > max ? `${text.slice(0, max)}… (${text.length} chars)` : text;
  return JSON.stringify(shown);
}

/** One line per request, secrets replaced by their role so reports can be shared. */
export function describeRequest(request: FuzzRequest, targets: FuzzTargets): string {
  const redactions: [string, string][] = [
    [targets.credentials.user, '<user-secret>'],
    [targets.credentials.organization, '<org-secret>'],
    [targets.otherCredentials.user, '<other-user-secret>'],
    [targets.otherCredentials.organization, '<other-org-secret>'],
    ...targets.elementTokens.map((token, i): [string, string] => [token, `<element-token-${i}>`]),
  ];
  const redact = (text: string) => redactions.reduce((acc, [secret, name]) => acc.split(secret).join(name), text);
  const headers = Object.entries(request.headers).map(([name, value]) => `${name}: ${excerpt(redact(value), 120)}`);
  const body = request.body === undefined ? '' : ` body=${typeof request.body === 'string' ? excerpt(request.body, 200) : `<${request.body.length} bytes ${Buffer.from(request.body).toString('hex').slice(0, 60)}>`}`;
  return `${request.method} ${excerpt(request.path, 400)} [${request.lane} from ${request.localAddress}] {${headers.join('; ')}}${body}`;
}
