// Events over time as stacked bars, one colour per delivery outcome (delivered, on its way, failed):
// a glance shows whether changes are flowing and reaching the receiver. Plain SVG, no chart library.

import type { EventSummary } from '../api/types.ts';

const BUCKETS = 24;
const NICE_STEPS_MS = [1, 5, 10, 30, 60, 300, 900, 1800, 3600, 6 * 3600, 12 * 3600, 86_400].map((s) => s * 1000);
const WIDTH = 600;
const HEIGHT = 150;
const PAD = { top: 10, right: 8, bottom: 22, left: 30 };

type Outcome = 'delivered' | 'pending' | 'failed';

function outcomeOf(event: EventSummary): Outcome {
  if (event.deliveryStatus === 'DELIVERED') return 'delivered';
  if (event.deliveryStatus === 'FAILED') return 'failed';
  return 'pending';
}

interface Bucket {
  start: number;
  counts: Record<Outcome, number>;
}

export function bucketEvents(events: readonly EventSummary[], now: number): { buckets: Bucket[]; stepMs: number } {
  const oldest = events.reduce((min, e) => Math.min(min, Date.parse(e.createdDate)), now);
  const span = Math.max(now - oldest, 60_000);
  const stepMs = NICE_STEPS_MS.find((step) => step * BUCKETS >= span) ?? NICE_STEPS_MS.at(-1)!;
  const end = Math.ceil(now / stepMs) * stepMs;
  const buckets: Bucket[] = Array.from({ length: BUCKETS }, (_, i) => ({
    start: end - (BUCKETS - i) * stepMs,
    counts: { delivered: 0, pending: 0, failed: 0 },
  }));
  for (const event of events) {
    const index = Math.floor((Date.parse(event.createdDate) - buckets[0]!.start) / stepMs);
    const bucket = buckets[index];
    if (bucket) bucket.counts[outcomeOf(event)] += 1;
  }
  return { buckets, stepMs };
}

const timeOnly = new Intl.DateTimeFormat(undefined, { timeStyle: 'short' });
const timeSeconds = new Intl.DateTimeFormat(undefined, { timeStyle: 'medium' });

export function EventsChart({ events, now = Date.now() }: { events: readonly EventSummary[]; now?: number }) {
  const { buckets, stepMs } = bucketEvents(events, now);
  const max = Math.max(1, ...buckets.map((b) => b.counts.delivered + b.counts.pending + b.counts.failed));
  const plotWidth = WIDTH - PAD.left - PAD.right;
  const plotHeight = HEIGHT - PAD.top - PAD.bottom;
  const barWidth = plotWidth / BUCKETS;
  const totals = events.reduce<Record<Outcome, number>>(
    (sum, e) => {
      sum[outcomeOf(e)] += 1;
      return sum;
    },
    { delivered: 0, pending: 0, failed: 0 },
  );
  const format = stepMs < 60_000 ? timeSeconds : timeOnly;
  const summary = `${events.length} events shown: ${totals.delivered} delivered, ${totals.pending} on their way, ${totals.failed} failed.`;

  return (
    <figure className="chart">
      <svg viewBox={`0 0 ${WIDTH} ${HEIGHT}`} role="img" aria-label={`Events over time. ${summary}`}>
        <line className="axis" x1={PAD.left} x2={WIDTH - PAD.right} y1={HEIGHT - PAD.bottom} y2={HEIGHT - PAD.bottom} />
        <text className="tick" x={PAD.left - 4} y={PAD.top + 8} textAnchor="end">
          {max}
        </text>
        <text className="tick" x={PAD.left - 4} y={HEIGHT - PAD.bottom} textAnchor="end">
          0
        </text>
        {buckets.map((bucket, i) => {
          let y = HEIGHT - PAD.bottom;
          const x = PAD.left + i * barWidth + 1;
          return (
            <g key={bucket.start}>
              <title>{`${format.format(bucket.start)}: ${bucket.counts.delivered} delivered, ${bucket.counts.pending} on their way, ${bucket.counts.failed} failed`}</title>
              {(['delivered', 'pending', 'failed'] as const).map((outcome) => {
                const height = (bucket.counts[outcome] / max) * plotHeight;
                y -= height;
                return height > 0 ? <rect key={outcome} className={`bar-${outcome}`} x={x} y={y} width={Math.max(barWidth - 2, 1)} height={height} /> : null;
              })}
            </g>
          );
        })}
        <text className="tick" x={PAD.left} y={HEIGHT - 6}>
          {format.format(buckets[0]!.start)}
        </text>
        <text className="tick" x={WIDTH - PAD.right} y={HEIGHT - 6} textAnchor="end">
          {format.format(buckets.at(-1)!.start + stepMs)}
        </text>
      </svg>
      <figcaption>
        <span className="legend legend-delivered">delivered {totals.delivered}</span>
        <span className="legend legend-pending">on their way {totals.pending}</span>
        <span className="legend legend-failed">failed {totals.failed}</span>
      </figcaption>
    </figure>
  );
}
