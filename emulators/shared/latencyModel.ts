// How long a provider takes to answer, as a model an emulator can draw from: a fixed delay, or a
// lognormal one given by its median and 99th percentile (Gmail answers in ~100 ms with a ~300 ms
// tail, and response times are skewed to the right like a lognormal). Pure: randomness is passed in,
// so tests draw from a seeded generator and the server decides when and whether to wait.

/** A fixed delay, or a lognormal one given by its median (p50) and 99th percentile (p99). */
export type LatencyModel = { fixedMs: number } | { p50Ms: number; p99Ms: number };

/** The longest delay a model may ask for (ten minutes, as for fault latency). */
export const MAX_LATENCY_MS = 600_000;

/** The standard normal's 0.99 quantile: a lognormal's p99 is exp(mu + Z99 * sigma). */
const Z99 = 2.3263478740408408;

const FIELDS = new Set(['fixedMs', 'p50Ms', 'p99Ms']);

/** Checks a model from JSON or a caller; the TypeError's message names the field at fault. */
export function validateLatencyModel(value: unknown): LatencyModel {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new TypeError('latency must be an object: {"fixedMs": n} or {"p50Ms": n, "p99Ms": n}');
  }
  const fields = value as Record<string, unknown>;
  for (const key of Object.keys(fields)) {
    if (!FIELDS.has(key)) throw new TypeError(`${key} is not a latency field (fixedMs, or p50Ms and p99Ms)`);
  }
  const { fixedMs, p50Ms, p99Ms } = fields;
  if (fixedMs !== undefined) {
    if (p50Ms !== undefined || p99Ms !== undefined) throw new TypeError('fixedMs cannot be combined with p50Ms/p99Ms: give one kind of model');
    if (!isMilliseconds(fixedMs) || fixedMs < 0) throw new TypeError(`fixedMs must be a number between 0 and ${MAX_LATENCY_MS}`);
    return { fixedMs };
  }
  if (p50Ms === undefined && p99Ms === undefined) throw new TypeError('fixedMs, or p50Ms and p99Ms, is required');
  if (p50Ms === undefined) throw new TypeError('p50Ms is required with p99Ms');
  if (p99Ms === undefined) throw new TypeError('p99Ms is required with p50Ms');
  // The median must be above 0: the lognormal's mu is ln(p50).
  if (!isMilliseconds(p50Ms) || !(p50Ms > 0)) throw new TypeError(`p50Ms must be a number above 0 and at most ${MAX_LATENCY_MS}`);
  if (!isMilliseconds(p99Ms) || p99Ms < p50Ms) throw new TypeError(`p99Ms must be a number between p50Ms (${p50Ms}) and ${MAX_LATENCY_MS}`);
  return { p50Ms, p99Ms };
}

function isMilliseconds(value: unknown): value is number {
  return typeof value === 'number' && Number.isFinite(value) && value <= MAX_LATENCY_MS;
}

/**
 * One delay in milliseconds: the fixed value, or p50 · exp(sigma · z) with z standard normal
 * (Box–Muller from two uniform draws in [0, 1)) and sigma = ln(p99 / p50) / Z99. Never negative,
 * at most MAX_LATENCY_MS.
 */
export function sampleLatencyMs(model: LatencyModel, random: () => number): number {
  if ('fixedMs' in model) return model.fixedMs;
  const sigma = Math.log(model.p99Ms / model.p50Ms) / Z99;
  if (sigma === 0) return model.p50Ms;
  // 1 - random() lies in (0, 1]; the floor keeps ln() finite should a generator return exactly 1.
  const u1 = Math.max(Number.MIN_VALUE, 1 - random());
  const z = Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * random());
  return Math.min(MAX_LATENCY_MS, model.p50Ms * Math.exp(sigma * z));
}
