import {describe, expect, it} from 'vitest';
import {rateNote} from '../../../src/lib/cli/rate.js';

describe('rateNote', () => {
  it('gives no rate for a tiny run: 5 messages in 0.2 s is not "26 msg/s"', () => {
    expect(rateNote(5, 190, 'msg')).toBe('');
    // Many items, but in a blink; or a long run over a handful.
    expect(rateNote(5000, 999, 'msg')).toBe('');
    expect(rateNote(99, 60_000, 'msg')).toBe('');
  });

  it('gives the rate once the run is long and large enough', () => {
    expect(rateNote(100, 1000, 'msg')).toBe(' (100 msg/s)');
    expect(rateNote(20_000, 8_000, 'msg')).toBe(' (2500 msg/s)');
  });

  it('adds other rates (bytes) inside the brackets, or nothing for a tiny run', () => {
    expect(rateNote(2000, 2000, 'msg', ['1.5 MB/s'])).toBe(' (1000 msg/s, 1.5 MB/s)');
    expect(rateNote(5, 200, 'msg', ['1.5 MB/s'])).toBe('');
  });
});
