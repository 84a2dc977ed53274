// Readers of the control API's JSON bodies: each field checked once, a bad one answered as a 400
// ControlError naming it.

import type { FastifyReply } from 'fastify';
import { ControlError } from './controlError.ts';

export type Json = Record<string, unknown>;

/** The body as an object; an absent body reads as `{}`. */
export function objectBody(body: unknown): Json {
  if (body === undefined || body === null) return {};
  if (typeof body !== 'object' || Array.isArray(body) || Buffer.isBuffer(body)) throw new ControlError(400, 'the body must be a JSON object');
  return body as Json;
}

export function requiredString(body: Json, field: string): string {
  const value = body[field];
  if (typeof value !== 'string' || value === '') throw new ControlError(400, `${field} must be a non-empty string`);
  return value;
}

export function optionalString(body: Json, field: string): string | undefined {
  return body[field] === undefined || body[field] === null ? undefined : requiredString(body, field);
}

export function requiredNumber(body: Json, field: string): number {
  const value = body[field];
  if (typeof value !== 'number' || !Number.isFinite(value)) throw new ControlError(400, `${field} must be a number`);
  return value;
}

export function noContent(reply: FastifyReply): FastifyReply {
  return reply.code(204).send();
}

/** An attachment's bytes: `contentBase64`, or `content` as UTF-8 text (empty when neither is given). */
export function attachmentContent(item: Json): Buffer {
  if (typeof item.contentBase64 === 'string') return Buffer.from(item.contentBase64, 'base64');
  return Buffer.from(typeof item.content === 'string' ? item.content : '', 'utf8');
}
