/**
 * A rate for a summary line, only where it means something: 5 messages in 0.2 s are not "26 msg/s". Below
 * {@link MIN_RATE_MS} or {@link MIN_RATE_COUNT} the count and the time (printed beside it) say it all.
 */

/** A rate over less time than this is mostly start-up and noise. */
export const MIN_RATE_MS = 1000;
/** A rate over fewer items than this is mostly the cost of the first ones. */
export const MIN_RATE_COUNT = 100;

/** Whether a rate over `count` items in `elapsedMs` means something (long and large enough). */
export function rateMeans(count: number, elapsedMs: number): boolean {
  return elapsedMs >= MIN_RATE_MS && count >= MIN_RATE_COUNT;
}

/**
 * " (N unit/s)" for `count` items in `elapsedMs`, or "" when the run was too short or too small; `more`
 * (e.g. a byte rate) is added inside the brackets.
 */
export function rateNote(count: number, elapsedMs: number, unit: string, more: readonly string[] = []): string {
  if (!rateMeans(count, elapsedMs)) return '';
  return ` (${[`${Math.round(count / (elapsedMs / 1000))} ${unit}/s`, ...more].join(', ')})`;
}
