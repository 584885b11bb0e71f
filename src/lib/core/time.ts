/**
 * Time in bonnie is one thing: milliseconds since the epoch (UTC), in every table and in the code between.
 * Text is made only where a person or a script reads it (JSON output, tables, messages), here: ISO 8601 in
 * UTC with milliseconds, `2026-11-22T11:53:57.094Z`, which sorts as it compares. Text is read in one place
 * too: config/dates.ts (flags) and the event parser (an event's timestamp).
 */

/** ISO 8601 UTC with milliseconds, for output. */
export function isoTime(ms: number): string {
  return new Date(ms).toISOString();
}

/** {@link isoTime}, or null for null (a time not set: a session without Logout, a folder not deleted). */
export function isoTimeOrNull(ms: number | null): string | null {
  return ms === null ? null : new Date(ms).toISOString();
}
