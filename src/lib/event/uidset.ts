/**
 * IMAP sequence sets as Cyrus writes them in `uidset` and `vnd.cmu.oldUidset` (`"1:3,7"`).
 * Grammar: RFC 3501 section 9, `sequence-set`; `*` is meaningless in an event and rejected.
 */

/** Most UIDs one set may expand to. A real event carries far fewer: Cyrus drops datagrams over ~21 KB. */
export const MAX_UIDSET_UIDS = 1_000_000;

/** Largest UID: RFC 3501 nz-number is a non-zero unsigned 32-bit integer. */
const MAX_UID = 4_294_967_295;

/** Result of {@link expandUidSet}: the UIDs, or why the text is not a sequence set. */
export type UidSetResult = {ok: true; uids: number[]} | {ok: false; error: string};

/** Options for {@link expandUidSet}. */
export interface UidSetOptions {
  /** Refuse sets covering more than this many distinct UIDs (default {@link MAX_UIDSET_UIDS}). */
  max?: number;
}

/**
 * Expands an IMAP sequence set into ascending, unique UIDs. `"9:8"` equals `"8:9"` (RFC 3501 section 9).
 * Never throws: garbage, `*`, zero, numbers over 2^32-1 and sets larger than `max` come back as errors,
 * and the size is checked before anything is allocated.
 */
export function expandUidSet(text: string, options: UidSetOptions = {}): UidSetResult {
  const max = options.max ?? MAX_UIDSET_UIDS;
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

  // Merge overlapping and adjacent ranges, so duplicates cost nothing and the count is exact.
  ranges.sort((a, b) => a[0] - b[0]);
  const merged: Array<[number, number]> = [];
  let total = 0;
  for (const range of ranges) {
    const last = merged[merged.length - 1];
    if (last !== undefined && range[0] <= last[1] + 1) {
      if (range[1] > last[1]) {
        total += range[1] - last[1];
        last[1] = range[1];
      }
    } else {
      merged.push([range[0], range[1]]);
      total += range[1] - range[0] + 1;
    }
    if (total > max) return {ok: false, error: `sequence set "${shorten(text)}" covers more than ${max} UIDs`};
  }

  const uids = new Array<number>(total);
  let i = 0;
  for (const [low, high] of merged) {
    for (let uid = low; uid <= high; uid++) uids[i++] = uid;
  }
  return {ok: true, uids};
}

/** One RFC 3501 nz-number, or an error message. */
function parseUid(token: string): number | string {
  if (token === '*') return '"*" is not valid in an event';
  // nz-number = digit-nz *DIGIT: no sign, no leading zero, no blanks.
  if (!/^[1-9][0-9]{0,9}$/.test(token)) return token === '' ? 'empty number' : `"${shorten(token)}" is not a UID`;
  const uid = Number(token);
  return uid > MAX_UID ? `${token} is larger than the largest UID (${MAX_UID})` : uid;
}

function fail(text: string, reason: string): UidSetResult {
  return {ok: false, error: `invalid sequence set "${shorten(text)}": ${reason}`};
}

/** Keeps error messages one short line even for a hostile input. */
function shorten(text: string): string {
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}
