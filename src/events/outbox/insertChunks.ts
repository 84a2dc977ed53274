// How the outbox splits a multi-row insert or an `in (…)` list: at most a few hundred rows per statement,
// so a poll that found thousands of changes never builds one statement with thousands of parameters.

const INSERT_CHUNK = 200;

export function insertChunks<T>(items: readonly T[], size = INSERT_CHUNK): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}
