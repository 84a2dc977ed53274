// An instance body (POST, PUT, PATCH /instances) and the parsing of its plain fields (element, name,
// tags): the rules the three share. The grant and configuration are parsed by authenticationRequest.ts.

import type { ElementDefinition, ElementRegistry } from '../elements/index.ts';
import { BadRequest, NotFound } from '../errors/index.ts';

export interface InstanceBody {
  element?: { key?: unknown; id?: unknown };
  providerData?: { code?: unknown };
  /** "initial": provision from `configuration["oauth.user.refresh_token"]` instead of providerData.code. */
  externalAuthentication?: unknown;
  configuration?: unknown;
  tags?: unknown;
  name?: unknown;
  disabled?: unknown;
}

/** The body itself must be a JSON object. */
export function checkBody(body: unknown): asserts body is InstanceBody {
  if (!body || typeof body !== 'object') throw new BadRequest('request body must be a JSON object');
}

/** The element the body names by key or id (NotFound for an unknown one). */
export function parseElement(elements: ElementRegistry, body: InstanceBody): ElementDefinition {
  const ref = body.element;
  if (!ref || typeof ref !== 'object') throw new BadRequest('element is required, e.g. {"key": "gmail"}');
  const keyOrId = ref.key ?? ref.id;
  if ((typeof keyOrId !== 'string' || !keyOrId) && typeof keyOrId !== 'number') {
    throw new BadRequest('element.key is required, e.g. "gmail"');
  }
  return elements.get(String(keyOrId));
}

/** POST /elements/{keyOrId}/instances: a JSON object whose element, if any, is the path's. */
export function checkElementOfPath(elements: ElementRegistry, body: unknown, element: ElementDefinition): asserts body is InstanceBody {
  if (!body || typeof body !== 'object' || Array.isArray(body)) throw new BadRequest('request body must be a JSON object');
  const { element: ref } = body as InstanceBody;
  if (ref === undefined || ref === null) return;
  let named: ElementDefinition | undefined;
  try {
    named = parseElement(elements, body as InstanceBody);
  } catch (error) {
    if (!(error instanceof NotFound)) throw error;
  }
  if (named?.key !== element.key) {
    throw new BadRequest(`element in the body must name the element of the path (${element.key}, id ${element.id}) or be left out`);
  }
}

export function parseName(raw: unknown): string {
  if (typeof raw !== 'string' || !raw.trim()) throw new BadRequest('name is required and must be a non-empty string');
  if (raw.length > 255) throw new BadRequest('name must be at most 255 characters');
  return raw.trim();
}

const MAX_TAGS = 50;

export function parseTags(raw: unknown): string[] {
  if (raw === undefined || raw === null) return [];
  if (!Array.isArray(raw)) throw new BadRequest('tags must be an array of strings');
  if (raw.length > MAX_TAGS) throw new BadRequest(`tags must hold at most ${MAX_TAGS} tags, got ${raw.length}`);
  return raw.map((tag, index) => {
    if (typeof tag !== 'string' || !tag.trim()) throw new BadRequest(`tags[${index}] must be a non-empty string`);
    if (tag.length > 255) throw new BadRequest(`tags[${index}] must be at most 255 characters`);
    return tag.trim();
  });
}
