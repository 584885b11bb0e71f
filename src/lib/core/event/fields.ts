/**
 * Typed reads of an event's JSON members. A member of the wrong type becomes a warning and reads as
 * absent: one odd field never costs the event.
 */

/** Reads members of one event object, collecting a warning for each one of the wrong type. */
export class FieldReader {
  constructor(
    private readonly json: Readonly<Record<string, unknown>>,
    /** Where warnings go; shared with the caller. */
    readonly warnings: string[],
  ) {}

  /** True when the member is present (even as null). */
  has(key: string): boolean {
    return this.json[key] !== undefined;
  }

  /** A string member; undefined when absent or not a string (warned). */
  string(key: string): string | undefined {
    const value = this.json[key];
    if (value === undefined || typeof value === 'string') return value;
    this.warn(key, `expected a string, got ${describe(value)}`);
    return undefined;
  }

  /** An integer member (Cyrus sends counts, sizes, ports and modseqs as JSON integers). */
  integer(key: string): number | undefined {
    const value = this.json[key];
    if (value === undefined) return undefined;
    if (typeof value === 'number' && Number.isInteger(value)) return value;
    this.warn(key, `expected an integer, got ${describe(value)}`);
    return undefined;
  }

  /**
   * An RFC 3339 date-time (`2026-11-22T11:53:57.094Z`, as Cyrus writes `timestamp`), kept as sent.
   * Anything else (`yesterday`, a 13th month, February 30) is warned about and reads as absent, so that
   * every consumer falls back to the time the event was received instead of failing on an invalid date.
   */
  /**
   * An RFC 3339 date-time, normalized to UTC with milliseconds (`2026-11-22T11:53:57.094Z`, what Cyrus 3.6
   * sends): every instant then has one spelling, so the record's times compare and sort as text. An offset,
   * a lower-case `t`/`z` or more than three fraction digits are converted (the raw event keeps what was sent).
   */
  dateTime(key: string): string | undefined {
    const text = this.string(key);
    if (text === undefined) return undefined;
    if (isDateTime(text)) return new Date(Date.parse(text.toUpperCase())).toISOString();
    this.warn(key, `"${text.length > 40 ? `${text.slice(0, 37)}...` : text}" is not an RFC 3339 date-time; the time it was received is used`);
    return undefined;
  }

  /** An array of strings; empty when absent or malformed (warned). */
  stringArray(key: string): string[] {
    const value = this.json[key];
    if (value === undefined) return [];
    if (Array.isArray(value) && value.every((item) => typeof item === 'string')) return value as string[];
    this.warn(key, `expected an array of strings, got ${describe(value)}`);
    return [];
  }

  /** Records a problem with one member. */
  warn(key: string, message: string): void {
    this.warnings.push(`${key}: ${message}`);
  }
}

// RFC 3339 section 5.6 date-time; "T" and "Z" may be lower case (section 5.6, NOTE).
const DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(\.\d+)?([Zz]|[+-](\d{2}):(\d{2}))$/;

/** True for a valid RFC 3339 date-time: the grammar, and every field in range (no February 30). */
function isDateTime(text: string): boolean {
  const match = DATE_TIME.exec(text);
  if (match === null) return false;
  const [year, month, day, hour, minute, second] = match.slice(1, 7).map(Number) as [number, number, number, number, number, number];
  const leap = year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
  const daysInMonth = month === 2 ? (leap ? 29 : 28) : [4, 6, 9, 11].includes(month) ? 30 : 31;
  const offsetOk = match[9] === undefined || (Number(match[9]) <= 23 && Number(match[10]) <= 59);
  // Second 60 (a leap second) is RFC 3339's, but Date cannot represent it: consumers would fail on it.
  return month >= 1 && month <= 12 && day >= 1 && day <= daysInMonth && hour <= 23 && minute <= 59 && second <= 59 && offsetOk && !Number.isNaN(Date.parse(text));
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'number') return `the number ${value}`;
  return `a ${typeof value}`;
}
