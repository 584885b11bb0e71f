/** Folder patterns of retention rules, as the owner sees the folder. */
import {describe, expect, it} from 'vitest';
import {matches} from '../../../../src/lib/read/retention/plan.js';

describe('retention folder patterns', () => {
  it('match the whole path, * anything (sub-folders too), INBOX in any case, other names exactly', () => {
    expect(matches('Sent', 'Sent')).toBe(true);
    expect(matches('Sent', 'Sent/2026')).toBe(false);
    expect(matches('Sent*', 'Sent/2026')).toBe(true);
    expect(matches('Archive/*', 'Archive/2026/Q1')).toBe(true);
    expect(matches('Archive/*', 'Archive')).toBe(false);
    expect(matches('inbox', 'INBOX')).toBe(true);
    expect(matches('trash', 'Trash')).toBe(false);
    expect(matches('a.b', 'axb')).toBe(false);
  });
});
