// Matches a hub path (`/messages/abc/trash`) against operation patterns (`/messages/:id/trash`), the
// same patterns Fastify registers, so in-process calls and HTTP calls resolve identically.

export interface CompiledPattern {
  pattern: string;
  segments: readonly ({ literal: string } | { param: string })[];
}

export function compilePattern(pattern: string): CompiledPattern {
  const segments = pathSegments(pattern).map((segment) => (segment.startsWith(':') ? { param: segment.slice(1) } : { literal: segment }));
  return { pattern, segments };
}

/**
 * The path's parameters when it matches, undefined otherwise. A caller matching one path against many
 * patterns splits it once with `pathSegments` and passes the segments.
 */
export function matchPattern(compiled: CompiledPattern, path: string | readonly string[]): Record<string, string> | undefined {
  const parts = typeof path === 'string' ? pathSegments(path) : path;
  if (parts.length !== compiled.segments.length) return undefined;
  const params: Record<string, string> = {};
  for (const [index, segment] of compiled.segments.entries()) {
    const part = parts[index] as string;
    if ('literal' in segment) {
      if (segment.literal !== part) return undefined;
    } else {
      let value: string;
      try {
        value = decodeURIComponent(part);
      } catch {
        return undefined;
      }
      if (!value) return undefined;
      params[segment.param] = value;
    }
  }
  return params;
}

export function pathSegments(path: string): string[] {
  return path.split('?')[0]!.split('/').filter((segment) => segment !== '');
}
