/** Durations as written in configuration and flags: a number with a unit (500ms, 2s, 5m, 12h, 1d). */

const UNITS_MS: Readonly<Record<string, number>> = {ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000};

/** Milliseconds, or undefined when `text` is not a duration. */
export function parseDuration(text: string): number | undefined {
  const match = /^(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)$/.exec(text.trim());
  const unit = match === null ? undefined : UNITS_MS[match[2] as string];
  return match === null || unit === undefined ? undefined : Math.round(Number(match[1]) * unit);
}
