/**
 * IMAP sequence sets as Cyrus writes them in `uidset` and `vnd.cmu.oldUidset` (`"1:3,7"`).
 * Grammar: RFC 3501 section 9, `sequence-set`; `*` is meaningless in an event and rejected.
 *
 * A set is kept as its ranges, never as one number per UID: one valid event may name `1:4294967295`
 * (RFC 3501 allows it), and expanding it would exhaust memory or the stack. Work that is per message
 * (a placement, a collector job) first checks {@link perUidProblem}.
 */

/**
 * Most UIDs that per-message work (placements in the record, collector jobs) accepts from one event.
 * A real event names far fewer (Cyrus drops datagrams over ~21 KB, and cannot hold more than ~2^31
 * messages in a folder); a set beyond this is refused by that work, with a clear error, instead of
 * looping for hours. Range arithmetic (gap detection) has no limit.
 */
export const MAX_UIDSET_UIDS = 1_000_000;

/** Largest UID: RFC 3501 nz-number is a non-zero unsigned 32-bit integer. */
export const MAX_UID = 4_294_967_295;

/** One range of a {@link UidSet}, both ends inclusive, `first <= last`. */
export interface UidRange {
  readonly first: number;
  readonly last: number;
}

/** Result of {@link UidSet.parse}: the set, or why the text is not a sequence set. */
export type UidSetParse = {ok: true; set: UidSet} | {ok: false; error: string};

/**
 * A set of UIDs as sorted, merged, non-adjacent ranges: memory and time are O(ranges) whatever the
 * number of UIDs. Immutable. Iteration is ascending, the order Cyrus pairs `uidset` with
 * `vnd.cmu.oldUidset` (RFC 4315 COPYUID: by position in ascending order). Being iterable, a spread, an
 * `Array.from` or a test's deep equality walks every UID: compare huge sets by `toString()`.
 */
export class UidSet implements Iterable<number> {
  /** The set with no UID. */
  static readonly EMPTY = new UidSet([]);

  /** Number of UIDs (up to 2^32-1: exact in a double). */
  readonly size: number;
  /** `[first0, last0, first1, last1, ...]`, ascending, ranges neither overlapping nor adjacent. */
  private readonly bounds: readonly number[];
  /** `starts[i]`: the position (0-based) of range i's first UID in the set, for {@link at}. */
  private readonly starts: readonly number[];

  private constructor(bounds: number[]) {
    this.bounds = bounds;
    const starts: number[] = [];
    let size = 0;
    for (let i = 0; i < bounds.length; i += 2) {
      starts.push(size);
      size += (bounds[i + 1] as number) - (bounds[i] as number) + 1;
    }
    this.starts = starts;
    this.size = size;
  }

  /**
   * Parses an RFC 3501 sequence set. `"9:8"` equals `"8:9"`; duplicates and overlaps merge. Never
   * throws and allocates per range, not per UID: garbage, `*`, zero and numbers over 2^32-1 come back as
   * errors.
   */
  static parse(text: string): UidSetParse {
    if (text.length === 0) return {ok: false, error: 'empty sequence set'};
    const ranges: Array<[number, number]> = [];
    for (const part of text.split(',')) {
      const colon = part.indexOf(':');
      const first = parseUid(colon < 0 ? part : part.slice(0, colon));
      const second = colon < 0 ? first : parseUid(part.slice(colon + 1));
      if (typeof first === 'string') return fail(text, first);
      if (typeof second === 'string') return fail(text, second);
      ranges.push(first <= second ? [first, second] : [second, first]);
    }
    return {ok: true, set: UidSet.fromPairs(ranges)};
  }

  /** The set of these UIDs, in any order, duplicates allowed. Throws RangeError on a value that is not a UID. */
  static of(uids: Iterable<number>): UidSet {
    const ranges: Array<[number, number]> = [];
    for (const uid of uids) {
      if (!Number.isInteger(uid) || uid < 1 || uid > MAX_UID) throw new RangeError(`${uid} is not a UID`);
      ranges.push([uid, uid]);
    }
    return UidSet.fromPairs(ranges);
  }

  /** Sorts and merges overlapping and adjacent ranges, so duplicates cost nothing and `size` is exact. */
  private static fromPairs(ranges: Array<[number, number]>): UidSet {
    if (ranges.length === 0) return UidSet.EMPTY;
    ranges.sort((a, b) => a[0] - b[0]);
    const bounds: number[] = [];
    for (const [first, last] of ranges) {
      const end = bounds.length - 1;
      if (end > 0 && first <= (bounds[end] as number) + 1) {
        if (last > (bounds[end] as number)) bounds[end] = last;
      } else {
        bounds.push(first, last);
      }
    }
    return new UidSet(bounds);
  }

  /** Lowest UID; undefined when empty. */
  get first(): number | undefined {
    return this.bounds[0];
  }

  /** Highest UID; undefined when empty. */
  get last(): number | undefined {
    return this.bounds.at(-1);
  }

  /** Number of ranges. */
  get rangeCount(): number {
    return this.bounds.length / 2;
  }

  /** True when the set holds `uid` (binary search over the ranges). */
  has(uid: number): boolean {
    const i = this.rangeOf(uid);
    return i >= 0 && uid <= (this.bounds[2 * i + 1] as number);
  }

  /** The range holding `uid`, or undefined when the set does not hold it. */
  rangeAround(uid: number): UidRange | undefined {
    const i = this.rangeOf(uid);
    if (i < 0 || uid > (this.bounds[2 * i + 1] as number)) return undefined;
    return {first: this.bounds[2 * i] as number, last: this.bounds[2 * i + 1] as number};
  }

  /** The `index`th UID in ascending order (0-based); undefined outside the set. O(log ranges). */
  at(index: number): number | undefined {
    if (!Number.isInteger(index) || index < 0 || index >= this.size) return undefined;
    let low = 0;
    let high = this.starts.length - 1;
    while (low < high) {
      const mid = (low + high + 1) >> 1;
      if ((this.starts[mid] as number) <= index) low = mid;
      else high = mid - 1;
    }
    return (this.bounds[2 * low] as number) + index - (this.starts[low] as number);
  }

  /** The ranges, ascending. */
  *ranges(): IterableIterator<UidRange> {
    for (let i = 0; i < this.bounds.length; i += 2) yield {first: this.bounds[i] as number, last: this.bounds[i + 1] as number};
  }

  /** Every UID, ascending, one at a time (nothing expanded in advance). */
  *[Symbol.iterator](): IterableIterator<number> {
    for (let i = 0; i < this.bounds.length; i += 2) {
      const last = this.bounds[i + 1] as number;
      for (let uid = this.bounds[i] as number; uid <= last; uid++) yield uid;
    }
  }

  /**
   * Each UID with the UID at the same position in `source` (COPY/MOVE: `uidset` with
   * `vnd.cmu.oldUidset`), or undefined where `source` is shorter. Walks both sets together, one UID at a
   * time: nothing is expanded.
   */
  *pairs(source: UidSet): IterableIterator<[uid: number, sourceUid: number | undefined]> {
    const from = source[Symbol.iterator]();
    for (const uid of this) {
      const next = from.next();
      yield [uid, next.done === true ? undefined : next.value];
    }
  }

  /** The UIDs as an array. Throws RangeError over {@link MAX_UIDSET_UIDS}: check {@link perUidProblem} first. */
  toArray(): number[] {
    const problem = perUidProblem(this);
    if (problem !== undefined) throw new RangeError(problem);
    return [...this];
  }

  /** The canonical sequence set (`"1:3,7"`; `""` when empty). */
  toString(): string {
    const parts: string[] = [];
    for (const {first, last} of this.ranges()) parts.push(first === last ? String(first) : `${first}:${last}`);
    return parts.join(',');
  }

  /** Serialized as its canonical sequence set: an event's JSON stays as small as the one Cyrus sent. */
  toJSON(): string {
    return this.toString();
  }

  /** Index of the last range starting at or below `uid`; -1 if none. */
  private rangeOf(uid: number): number {
    let low = 0;
    let high = this.bounds.length / 2 - 1;
    if (high < 0 || uid < (this.bounds[0] as number)) return -1;
    while (low < high) {
      const mid = (low + high + 1) >> 1;
      if ((this.bounds[2 * mid] as number) <= uid) low = mid;
      else high = mid - 1;
    }
    return low;
  }
}

/**
 * Why per-message work must refuse `set` (more than `max` UIDs), or undefined when it may iterate.
 * The message names the set's size and bounds, so the user sees which event and why.
 */
export function perUidProblem(set: UidSet, max = MAX_UIDSET_UIDS): string | undefined {
  if (set.size <= max) return undefined;
  return `the UID set ${shorten(set.toString())} names ${set.size} messages, more than the ${max} one event can really concern`;
}

/** Result of {@link expandUidSet}: the UIDs, or why the text is not a sequence set. */
export type UidSetResult = {ok: true; uids: number[]} | {ok: false; error: string};

/** Options for {@link expandUidSet}. */
export interface UidSetOptions {
  /** Refuse sets covering more than this many distinct UIDs (default {@link MAX_UIDSET_UIDS}). */
  max?: number;
}

/**
 * Expands a sequence set into ascending, unique UIDs, for callers that need an array. The size is checked
 * on the ranges before anything is allocated; prefer {@link UidSet.parse}, which has no size limit.
 */
export function expandUidSet(text: string, options: UidSetOptions = {}): UidSetResult {
  const max = options.max ?? MAX_UIDSET_UIDS;
  const parsed = UidSet.parse(text);
  if (!parsed.ok) return parsed;
  if (parsed.set.size > max) return {ok: false, error: `sequence set "${shorten(text)}" covers more than ${max} UIDs`};
  return {ok: true, uids: [...parsed.set]};
}

/** One RFC 3501 nz-number, or an error message. */
function parseUid(token: string): number | string {
  if (token === '*') return '"*" is not valid in an event';
  // nz-number = digit-nz *DIGIT: no sign, no leading zero, no blanks.
  if (!/^[1-9][0-9]{0,9}$/.test(token)) return token === '' ? 'empty number' : `"${shorten(token)}" is not a UID`;
  const uid = Number(token);
  return uid > MAX_UID ? `${token} is larger than the largest UID (${MAX_UID})` : uid;
}

function fail(text: string, reason: string): UidSetParse {
  return {ok: false, error: `invalid sequence set "${shorten(text)}": ${reason}`};
}

/** Keeps error messages one short line even for a hostile input. */
function shorten(text: string): string {
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}
