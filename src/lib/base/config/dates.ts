/**
 * Dates and moments as users write them in flags and queries: the one parser every command uses
 * (`--at`, `--since`, `--until`, search's `before:`/`after:`/`on:`).
 *
 * Strict: every field is checked against the calendar (month 1-12, the day within its month, leap years,
 * hour 0-23, minute and second 0-59, a zone within ±14:00) and never rolled over, so 2026-02-30 is an error,
 * not 2026-03-02. No zone means UTC, like the record.
 */
import {BonnieError, EXIT} from '../errors.js';
import {parseDuration} from './duration.js';

/** A calendar period as a half-open range [from, to) of milliseconds since the epoch. */
export interface DateRange {
  from: number;
  to: number;
}

/** `2026`, `2026-11`, `2026-11-22`, `2026-11-22T11:54`, `...:16`, `...:16.5`, then an optional zone (with a time only). */
const DATE = /^(\d{4})(?:-(\d{2})(?:-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?(Z|[+-]\d{2}:?\d{2})?)?)?)?$/i;

const MINUTE_MS = 60_000;
/** Zones in use run from -12:00 to +14:00. */
const MAX_ZONE_MINUTES = 14 * 60;

/**
 * The period a date names: a year, a month, a day, or a time to its precision (a minute, a second, a
 * millisecond). Undefined when `text` is not such a date or names no day of the calendar.
 */
export function parseDateRange(text: string): DateRange | undefined {
  const m = DATE.exec(text.trim());
  if (m === null) return undefined;
  const [year, month, day, hour, minute, second] = [1, 2, 3, 4, 5, 6].map((i) => (m[i] === undefined ? undefined : Number(m[i])));
  const fraction = m[7];
  const zone = m[8];
  if (month !== undefined && (month < 1 || month > 12)) return undefined;
  if (day !== undefined && (day < 1 || day > daysInMonth(year as number, month as number))) return undefined;
  if (hour !== undefined && (hour > 23 || (minute as number) > 59)) return undefined;
  if (second !== undefined && second > 59) return undefined;
  const offset = zone === undefined ? 0 : zoneMinutes(zone);
  if (offset === undefined) return undefined;

  const y = year as number;
  if (month === undefined) return {from: utc(y, 0, 1), to: utc(y + 1, 0, 1)};
  if (day === undefined) return {from: utc(y, month - 1, 1), to: utc(y, month, 1)};
  if (hour === undefined) return {from: utc(y, month - 1, day), to: utc(y, month - 1, day + 1)};
  const ms = fraction === undefined ? 0 : Math.floor(Number(`0.${fraction}`) * 1000);
  const from = utc(y, month - 1, day, hour, minute as number, second ?? 0, ms) - offset * MINUTE_MS;
  const unit = fraction !== undefined ? 1 : second !== undefined ? 1000 : MINUTE_MS;
  return {from, to: from + unit};
}

export interface InstantOptions {
  /** Accept a moment after `now` (default false: bonnie only knows what has happened). */
  future?: boolean;
}

/**
 * A moment from a flag, in ms since the epoch: a date or date-time (its start; UTC unless a zone is
 * given) or a duration back from `now` (`7d`, `12h`, `30m`). Throws BonnieError UsageInvalid (exit 2),
 * naming `flag`, for anything else, for a year or a month alone, and for a moment after `now`.
 */
export function parseInstant(text: string, flag: string, now: Date, options: InstantOptions = {}): number {
  const trimmed = text.trim();
  const ago = parseDuration(trimmed);
  if (ago !== undefined) return now.getTime() - ago;
  const range = parseDateRange(trimmed);
  if (range === undefined || !/^\d{4}-\d{2}-\d{2}/.test(trimmed)) {
    const partial = /^\d{4}(-\d{2})?$/.test(trimmed) && range !== undefined;
    const problem = partial ? 'a year or a month, not a moment' : DATE.test(trimmed) ? 'not a date of the calendar' : 'neither a date nor a duration';
    throw new BonnieError('UsageInvalid', `${flag}: "${text}" is ${problem}`, {
      exit: EXIT.usage,
      hint: partial
        ? `Write the day it starts: ${flag} ${trimmed.length === 4 ? `${trimmed}-01-01` : `${trimmed}-01`}.`
        : 'Write a date of the calendar or a time (2026-11-22, 2026-11-22T11:54:00Z; UTC unless a zone is given) or a duration back from now (7d, 12h, 30m).',
    });
  }
  if (options.future !== true && range.from > now.getTime()) {
    throw new BonnieError('UsageInvalid', `${flag}: ${new Date(range.from).toISOString()} is in the future (now is ${now.toISOString()})`, {
      exit: EXIT.usage,
      hint: 'bonnie only knows what has happened: give a moment up to now (UTC unless a zone is given), or a duration back from now (7d).',
    });
  }
  return range.from;
}

function daysInMonth(year: number, month: number): number {
  // Day 0 of the next month is the last day of this one.
  return new Date(utc(year, month, 0)).getUTCDate();
}

/** Date.UTC, but a year below 100 is that year (Date.UTC reads 0050 as 1950). */
function utc(year: number, month: number, day: number, hour = 0, minute = 0, second = 0, ms = 0): number {
  const date = new Date(0);
  date.setUTCFullYear(year, month, day);
  date.setUTCHours(hour, minute, second, ms);
  return date.getTime();
}

/** `Z` -> 0, `+02:00` / `+0200` -> 120, `-05:30` -> -330; undefined beyond ±14:00 or with minutes past 59. */
function zoneMinutes(zone: string): number | undefined {
  if (zone.toUpperCase() === 'Z') return 0;
  const digits = zone.slice(1).replace(':', '');
  const hours = Number(digits.slice(0, 2));
  const minutes = Number(digits.slice(2));
  const total = hours * 60 + minutes;
  if (minutes > 59 || total > MAX_ZONE_MINUTES) return undefined;
  return zone.startsWith('-') ? -total : total;
}
