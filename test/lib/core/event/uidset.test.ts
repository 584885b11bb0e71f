import {describe, expect, it} from 'vitest';
import {MAX_UID, MAX_UIDSET_UIDS, UidSet, expandUidSet, perUidProblem} from '../../../../src/lib/core/event/index.js';

function uids(text: string): number[] {
  const result = expandUidSet(text);
  if (!result.ok) throw new Error(result.error);
  return result.uids;
}

function error(text: string, max?: number): string {
  const result = expandUidSet(text, max === undefined ? {} : {max});
  if (result.ok) throw new Error(`"${text}" was accepted`);
  return result.error;
}

describe('expandUidSet (RFC 3501 sequence-set)', () => {
  it('expands single numbers and ranges', () => {
    expect(uids('7')).toEqual([7]);
    expect(uids('1:3')).toEqual([1, 2, 3]);
    expect(uids('1:3,7,9:10')).toEqual([1, 2, 3, 7, 9, 10]);
  });

  it('treats a reversed range like the forward one', () => {
    expect(uids('9:8')).toEqual([8, 9]);
    expect(uids('1:3,7,9:8')).toEqual([1, 2, 3, 7, 8, 9]);
  });

  it('sorts and removes duplicates and overlaps', () => {
    expect(uids('5,1,5,3:4,2:3')).toEqual([1, 2, 3, 4, 5]);
    expect(uids('10:12,1:2,11:20')).toEqual([1, 2, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20]);
  });

  it('accepts the largest 32-bit UID', () => {
    expect(uids('4294967295')).toEqual([4294967295]);
  });

  it.each([
    ['', 'empty'],
    ['abc', 'not a UID'],
    ['1,,2', 'empty number'],
    ['1:', 'empty number'],
    ['0', 'not a UID'],
    ['01', 'not a UID'],
    ['-1', 'not a UID'],
    ['1 2', 'not a UID'],
    ['1.5', 'not a UID'],
    ['1:2:3', 'not a UID'],
    ['4294967296', 'larger than the largest UID'],
    ['99999999999', 'not a UID'],
  ])('rejects %j', (text, reason) => {
    expect(error(text)).toContain(reason);
  });

  it('rejects * (meaningless in an event)', () => {
    expect(error('1:*')).toContain('"*" is not valid in an event');
    expect(error('*')).toContain('"*"');
  });

  it('refuses absurd ranges before allocating them', () => {
    expect(MAX_UIDSET_UIDS).toBe(1_000_000);
    expect(error('1:4294967295')).toContain('more than 1000000 UIDs');
    expect(error('1:600000,700000:1300000')).toContain('more than 1000000 UIDs');
    expect(uids('1:1000000')).toHaveLength(1_000_000);
    // Overlapping duplicates count once.
    expect(uids('1:1000000,1:1000000')).toHaveLength(1_000_000);
  });

  it('honours a custom cap', () => {
    expect(error('1:11', 10)).toContain('more than 10 UIDs');
    expect(expandUidSet('1:10', {max: 10})).toEqual({ok: true, uids: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]});
  });

  it('keeps the error message short for huge garbage', () => {
    expect(error('x'.repeat(10_000)).length).toBeLessThan(200);
  });
});

function set(text: string): UidSet {
  const result = UidSet.parse(text);
  if (!result.ok) throw new Error(result.error);
  return result.set;
}

/** What a user would check of a set: its ranges as text, size and ends. */
function summary(s: UidSet) {
  return {text: s.toString(), size: s.size, first: s.first, last: s.last};
}

describe('UidSet (ranges, never expanded)', () => {
  it('merges reversed, duplicate, overlapping and adjacent ranges into sorted ranges', () => {
    expect(summary(set('9:8,1:3,4,7,3:2,20'))).toEqual({text: '1:4,7:9,20', size: 8, first: 1, last: 20});
    expect([...set('9:8,1:3,4,7,3:2,20').ranges()]).toEqual([{first: 1, last: 4}, {first: 7, last: 9}, {first: 20, last: 20}]);
    expect([...set('5,1,5,3:4,2:3')]).toEqual([1, 2, 3, 4, 5]);
  });

  it('holds 1:4294967295 as one range: size, ends, membership and position without expanding', () => {
    const all = set('1:4294967295');
    expect(summary(all)).toEqual({text: '1:4294967295', size: MAX_UID, first: 1, last: MAX_UID});
    expect(all.rangeCount).toBe(1);
    expect([all.has(1), all.has(MAX_UID), all.has(2_147_483_648), all.has(0), all.has(MAX_UID + 1)]).toEqual([true, true, true, false, false]);
    expect([all.at(0), all.at(MAX_UID - 1), all.at(MAX_UID)]).toEqual([1, MAX_UID, undefined]);
    expect(all.rangeAround(123)).toEqual({first: 1, last: MAX_UID});
    expect(JSON.stringify({uids: all})).toBe('{"uids":"1:4294967295"}');
  });

  it('parses a set of many disjoint ranges (a hostile 21 KB datagram) by ranges', () => {
    const text = Array.from({length: 3000}, (_, i) => `${i * 1000 + 1}:${i * 1000 + 500}`).join(',');
    const many = set(text);
    expect(many.rangeCount).toBe(3000);
    expect(many.size).toBe(1_500_000);
    expect([many.has(500), many.has(501), many.has(2_999_500), many.at(500), many.at(1_499_999)]).toEqual([true, false, true, 1001, 2_999_500]);
  });

  it('answers membership and position across ranges', () => {
    const s = set('2:4,10,20:21');
    expect([1, 2, 4, 5, 9, 10, 11, 20, 21, 22].map((uid) => s.has(uid))).toEqual([false, true, true, false, false, true, false, true, true, false]);
    expect([0, 1, 2, 3, 4, 5, 6, -1, 1.5].map((i) => s.at(i))).toEqual([2, 3, 4, 10, 20, 21, undefined, undefined, undefined]);
    expect([s.rangeAround(3), s.rangeAround(10), s.rangeAround(5)]).toEqual([{first: 2, last: 4}, {first: 10, last: 10}, undefined]);
  });

  it('pairs destination and source UIDs by position (COPYUID order), without expanding either set', () => {
    expect([...set('5:7').pairs(set('12,10:11'))]).toEqual([
      [5, 10],
      [6, 11],
      [7, 12],
    ]);
    expect([...set('5:7').pairs(set('1'))]).toEqual([
      [5, 1],
      [6, undefined],
      [7, undefined],
    ]);
    const huge = set('1:4294967295').pairs(set('4294967295:1'));
    expect([huge.next().value, huge.next().value]).toEqual([
      [1, 1],
      [2, 2],
    ]);
  });

  it('is empty with no ends', () => {
    expect(summary(UidSet.EMPTY)).toEqual({text: '', size: 0, first: undefined, last: undefined});
    expect([...UidSet.EMPTY]).toEqual([]);
    expect(UidSet.EMPTY.has(1)).toBe(false);
  });

  it('builds from single UIDs and refuses non-UIDs', () => {
    expect(summary(UidSet.of([3, 1, 2, 2, 9]))).toEqual({text: '1:3,9', size: 4, first: 1, last: 9});
    expect(UidSet.of([3, 1, 2])).toEqual(set('1:3'));
    expect(UidSet.of([3, 1, 2])).not.toEqual(set('1:4'));
    expect(() => UidSet.of([0])).toThrow(RangeError);
    expect(() => UidSet.of([1.5])).toThrow(RangeError);
  });

  it.each([
    ['', 'empty'],
    ['abc', 'not a UID'],
    ['1,,2', 'empty number'],
    ['0:5', 'not a UID'],
    ['1:*', '"*" is not valid in an event'],
    ['4294967296', 'larger than the largest UID'],
  ])('rejects %j with a reason', (text, reason) => {
    const result = UidSet.parse(text);
    expect(result.ok ? 'accepted' : result.error).toContain(reason);
  });

  it('tells per-message work to refuse sets over MAX_UIDSET_UIDS, naming the set', () => {
    expect(perUidProblem(set('1:1000000'))).toBeUndefined();
    expect(perUidProblem(set('1:1000001'))).toBe('the UID set 1:1000001 names 1000001 messages, more than the 1000000 one event can really concern');
    expect(perUidProblem(set('1:4294967295'))).toContain('names 4294967295 messages');
    expect(() => set('1:4294967295').toArray()).toThrow(/names 4294967295 messages/);
    expect(set('1:3,7').toArray()).toEqual([1, 2, 3, 7]);
  });
});
