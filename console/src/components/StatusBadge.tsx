// A short coloured word for a state (delivery status, validity); colour is never the only signal.

export type BadgeTone = 'ok' | 'warn' | 'bad' | 'neutral';

const STATUS_TONES: Record<string, BadgeTone> = {
  DELIVERED: 'ok',
  NEW: 'neutral',
  RETRYING: 'warn',
  FAILED: 'bad',
};

export function StatusBadge({ text, tone }: { text: string; tone?: BadgeTone }) {
  return <span className={`badge badge-${tone ?? STATUS_TONES[text] ?? 'neutral'}`}>{text}</span>;
}
