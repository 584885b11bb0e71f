/**
 * Retention periods as an administrator writes them: `7y`, `18mo`, `12w`, `90d` (a year is 365 days and a
 * month 30: retention is measured in days, and the law's "seven years" is never to the hour).
 */
import {BonnieError, EXIT} from '../../base/errors.js';

const DAY_MS = 86_400_000;
const UNITS: Readonly<Record<string, number>> = {d: DAY_MS, w: 7 * DAY_MS, mo: 30 * DAY_MS, y: 365 * DAY_MS};

/** The period in ms. Throws BonnieError UsageInvalid naming `flag` for anything else. */
export function parsePeriod(text: string, flag: string): number {
  const match = /^(\d+)\s*(d|w|mo|y)$/.exec(text.trim());
  if (match === null || Number(match[1]) === 0) {
    throw new BonnieError('UsageInvalid', `${flag}: "${text}" is not a period`, {exit: EXIT.usage, hint: 'Write a whole number of days, weeks, months or years: 90d, 12w, 18mo, 7y.'});
  }
  return Number(match[1]) * (UNITS[match[2] as string] as number);
}

/** A period for people: the largest unit that divides it (`7y`, `90d`). */
export function formatPeriod(ms: number): string {
  for (const unit of ['y', 'mo', 'w', 'd']) {
    const size = UNITS[unit] as number;
    if (ms % size === 0) return `${ms / size}${unit}`;
  }
  return `${Math.round(ms / DAY_MS)}d`;
}
