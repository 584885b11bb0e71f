import {describe, expect, it} from 'vitest';
import {parseDateRange, parseInstant} from '../../../../src/lib/base/config/dates.js';
import {thrownBonnieError} from '../../../helpers/catalog.js';

const NOW = new Date('2026-11-22T12:00:00Z');
const at = (iso: string) => Date.parse(iso);

const refusal = thrownBonnieError;

describe('parseDateRange', () => {
  it('reads a year, a month, a day and a time as the period they name (UTC unless a zone is given)', () => {
    expect(parseDateRange('2026')).toEqual({from: at('2026-01-01T00:00:00Z'), to: at('2027-01-01T00:00:00Z')});
    expect(parseDateRange('2026-12')).toEqual({from: at('2026-12-01T00:00:00Z'), to: at('2027-01-01T00:00:00Z')});
    expect(parseDateRange('2024-02-29')).toEqual({from: at('2024-02-29T00:00:00Z'), to: at('2024-03-01T00:00:00Z')});
    expect(parseDateRange('2026-11-22T11:54')).toEqual({from: at('2026-11-22T11:54:00Z'), to: at('2026-11-22T11:55:00Z')});
    expect(parseDateRange('2026-11-22 11:54:16')).toEqual({from: at('2026-11-22T11:54:16Z'), to: at('2026-11-22T11:54:17Z')});
    expect(parseDateRange('2026-11-22T11:54:16.598123Z')?.from).toBe(at('2026-11-22T11:54:16.598Z'));
    expect(parseDateRange('2026-11-22T13:54:16+02:00')?.from).toBe(at('2026-11-22T11:54:16Z'));
    expect(parseDateRange('2026-11-22T06:24:16-0530')?.from).toBe(at('2026-11-22T11:54:16Z'));
    expect(parseDateRange('0050-01-01')?.from).toBe(new Date('0050-01-01T00:00:00Z').getTime());
  });

  it.each(['2026-02-30', '2025-02-29', '2026-04-31', '2026-13', '2026-00-10', '2026-11-00', '2026-11-22T24:00', '2026-11-22T11:60', '2026-11-22T11:54:60', '2026-11-22T11:54+15:00', '2026-11-22T11:54+02:60'])(
    'refuses %s: it names no moment of the calendar (never rolled over)',
    (text) => {
      expect(parseDateRange(text)).toBeUndefined();
    },
  );

  it.each(['', '26-11-22', '2026/11/22', '2026-11-22Z', '22.11.2026', 'yesterday', '2026-11-22T11', '+2026-11-22'])('refuses %j: not a date', (text) => {
    expect(parseDateRange(text)).toBeUndefined();
  });
});

describe('parseInstant', () => {
  it('reads a date as its start, a time as given, a duration back from now', () => {
    expect(parseInstant('2026-11-20', '--at', NOW)).toBe(at('2026-11-20T00:00:00Z'));
    expect(parseInstant('2026-11-22T09:00+01:00', '--at', NOW)).toBe(at('2026-11-22T08:00:00Z'));
    expect(parseInstant('7d', '--at', NOW)).toBe(at('2026-11-15T12:00:00Z'));
    expect(parseInstant(' 12h ', '--since', NOW)).toBe(at('2026-11-22T00:00:00Z'));
    expect(parseInstant('2026-11-22T12:00:00Z', '--at', NOW)).toBe(NOW.getTime());
  });

  it('refuses an impossible date with exit 2, naming the flag, instead of shifting it to the next month', () => {
    const error = refusal(() => parseInstant('2026-02-30', '--at', NOW));
    expect(error).toMatchObject({code: 'UsageInvalid', exit: 2});
    expect(error.message).toBe('--at: "2026-02-30" is not a date of the calendar');
    expect(error.hint).toContain('2026-11-22');
  });

  it('refuses a moment after now with a hint, unless the caller allows it', () => {
    for (const text of ['2099-01-01', '2026-11-22T12:00:01Z', '2026-11-23']) {
      const error = refusal(() => parseInstant(text, '--at', NOW));
      expect(error).toMatchObject({code: 'UsageInvalid', exit: 2});
      expect(error.message).toMatch(/^--at: .* is in the future \(now is 2026-11-22T12:00:00\.000Z\)$/);
      expect(error.hint).toMatch(/up to now/);
    }
    expect(parseInstant('2099-01-01', '--until', NOW, {future: true})).toBe(at('2099-01-01T00:00:00Z'));
  });

  it('refuses a year or a month alone, saying which day to write', () => {
    const year = refusal(() => parseInstant('2099', '--at', NOW));
    expect(year.message).toBe('--at: "2099" is a year or a month, not a moment');
    expect(year.hint).toBe('Write the day it starts: --at 2099-01-01.');
    expect(refusal(() => parseInstant('2026-03', '--since', NOW)).hint).toBe('Write the day it starts: --since 2026-03-01.');
  });

  it('refuses words with the forms it takes', () => {
    const error = refusal(() => parseInstant('last week', '--since', NOW));
    expect(error.message).toBe('--since: "last week" is neither a date nor a duration');
    expect(error.hint).toMatch(/7d/);
  });
});
