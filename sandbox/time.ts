/** Brazil has had no daylight saving time since 2019: São Paulo is always UTC-03:00. */
const SAO_PAULO_OFFSET_MS = -3 * 60 * 60 * 1000;

export function utcIso(ms: number): string {
  return new Date(ms).toISOString();
}

/** ISO-8601 in São Paulo local time with its offset, e.g. 2026-03-10T11:22:05.123-03:00. */
export function saoPauloIso(ms: number): string {
  return `${new Date(ms + SAO_PAULO_OFFSET_MS).toISOString().slice(0, -1)}-03:00`;
}

/** YYYY-MM-DD of the São Paulo calendar. */
export function saoPauloDate(ms: number): string {
  return new Date(ms + SAO_PAULO_OFFSET_MS).toISOString().slice(0, 10);
}

export const nullableUtcIso = (ms: number | null): string | null => (ms === null ? null : utcIso(ms));
