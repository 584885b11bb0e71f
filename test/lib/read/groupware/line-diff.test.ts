/** The line diff: longest common subsequence, removed before added within a change, context. */
import {describe, expect, it} from 'vitest';
import {diffLines, MAX_DIFF_CELLS, withContext} from '../../../../src/lib/read/groupware/line-diff.js';

const show = (a: string[], b: string[]) => diffLines(a, b).map((l) => `${l.op}${l.text}`);

describe('line diff', () => {
  it('keeps the common lines and shows each change as removed, then added lines', () => {
    expect(show(['a', 'b', 'c', 'd'], ['a', 'x', 'c', 'd', 'e'])).toEqual([' a', '-b', '+x', ' c', ' d', '+e']);
    expect(show(['a', 'b', 'c'], ['c', 'a', 'b'])).toEqual(['+c', ' a', ' b', '-c']);
    expect(show([], ['a'])).toEqual(['+a']);
    expect(show(['a'], [])).toEqual(['-a']);
    expect(show(['a', 'b'], ['a', 'b'])).toEqual([' a', ' b']);
  });

  it('finds the longest common subsequence, not just the common head and tail', () => {
    const a = ['1', '2', '3', '4', '5', '6'];
    const b = ['1', 'x', '3', 'y', '5', '6'];
    expect(show(a, b)).toEqual([' 1', '-2', '+x', ' 3', '-4', '+y', ' 5', ' 6']);
  });

  it('does not align a middle too large to align: all removed, then all added', () => {
    const size = Math.ceil(Math.sqrt(MAX_DIFF_CELLS)) + 1;
    const a = Array.from({length: size}, (_, i) => `a${i}`);
    const b = Array.from({length: size}, (_, i) => (i === 5 ? 'a5' : `b${i}`));
    const diff = diffLines(['head', ...a], ['head', ...b]);
    expect(diff[0]).toEqual({op: ' ', text: 'head'});
    expect(diff.filter((l) => l.op === '-')).toHaveLength(size);
    expect(diff.filter((l) => l.op === '+')).toHaveLength(size);
  });

  it('keeps a few lines of context around changes and marks what it leaves out', () => {
    const a = ['1', '2', '3', '4', '5', '6', '7', '8', '9'];
    const b = ['1', '2', '3', '4', 'five', '6', '7', '8', '9'];
    expect(withContext(diffLines(a, b), 1).map((l) => (l === null ? '...' : `${l.op}${l.text}`))).toEqual(['...', ' 4', '-5', '+five', ' 6', '...']);
  });
});
