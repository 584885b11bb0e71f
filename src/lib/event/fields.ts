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

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'number') return `the number ${value}`;
  return `a ${typeof value}`;
}
