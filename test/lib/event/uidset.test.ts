import {describe, expect, it} from 'vitest';
import {MAX_UIDSET_UIDS, expandUidSet} from '../../../src/lib/event/index.js';

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
