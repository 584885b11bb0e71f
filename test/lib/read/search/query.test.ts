import {describe, expect, it} from 'vitest';
import {MAX_QUERY_DEPTH, MAX_QUERY_TERMS, parseDateValue, parseQuery, parseSize} from '../../../../src/lib/read/search/query.js';
import {thrownBonnieError} from '../../../helpers/catalog.js';

const NOW = new Date('2026-11-25T12:00:00Z');
const q = (text: string) => parseQuery(text, NOW);
const word = (value: string, field = 'any') => ({kind: 'text', field, value, phrase: false});

describe('the search query language', () => {
  it('reads words, phrases and implicit AND', () => {
    expect(q('invoice')).toEqual(word('invoice'));
    expect(q('quarterly "board meeting"')).toEqual({kind: 'and', children: [word('quarterly'), {kind: 'text', field: 'any', value: 'board meeting', phrase: true}]});
  });

  it('reads every field', () => {
    expect(q('from:bob@example.com to:alice cc:carol subject:"Q3 report" body:merger attachment:budget.xlsx messageid:<a@b>')).toEqual({
      kind: 'and',
      children: [
        word('bob@example.com', 'from'),
        word('alice', 'to'),
        word('carol', 'cc'),
        {kind: 'text', field: 'subject', value: 'Q3 report', phrase: true},
        word('merger', 'body'),
        word('budget.xlsx', 'attachment'),
        word('<a@b>', 'messageid'),
      ],
    });
    expect(q('has:attachment')).toEqual({kind: 'has', what: 'attachment'});
    expect(q('user:alice folder:user.alice.Sent flag:seen flag:$Label1 deleted:yes')).toEqual({
      kind: 'and',
      children: [{kind: 'user', login: 'alice'}, {kind: 'folder', name: 'user.alice.Sent'}, {kind: 'flag', flag: '\\Seen'}, {kind: 'flag', flag: '$Label1'}, {kind: 'deleted', value: true}],
    });
    expect(q('larger:1.5MB')).toEqual({kind: 'size', op: 'larger', bytes: 1572864});
    expect(q('smaller:10k')).toEqual({kind: 'size', op: 'smaller', bytes: 10240});
    expect(q('FROM:bob')).toEqual(word('bob', 'from'));
  });

  it('reads dates as UTC ranges, and durations back from now', () => {
    expect(q('on:2026-11-22')).toEqual({kind: 'date', op: 'on', from: Date.UTC(2026, 10, 22), to: Date.UTC(2026, 10, 23)});
    expect(q('after:2026-11')).toEqual({kind: 'date', op: 'after', from: Date.UTC(2026, 10, 1), to: Date.UTC(2026, 11, 1)});
    expect(q('before:2025')).toEqual({kind: 'date', op: 'before', from: Date.UTC(2025, 0, 1), to: Date.UTC(2026, 0, 1)});
    expect(q('after:7d')).toEqual({kind: 'date', op: 'after', from: Date.parse('2026-11-18T12:00:00Z'), to: Date.parse('2026-11-18T12:00:00Z')});
    expect(parseDateValue('2026-02-30', NOW)).toBeUndefined();
    expect(parseSize('12')).toBe(12);
    expect(parseSize('2G')).toBe(2 * 1024 ** 3);
  });

  it('reads queueid: as one queue ID, as an MTA logged it', () => {
    expect(q('queueid:4Fh0Zb1XyTz9vWd subject:x')).toEqual({kind: 'and', children: [{kind: 'queueid', queueId: '4Fh0Zb1XyTz9vWd'}, word('x', 'subject')]});
    expect(q('queueid:1tJabc-000123-AB')).toEqual({kind: 'queueid', queueId: '1tJabc-000123-AB'});
  });

  it('gives OR a lower precedence than AND, and honours NOT, - and parentheses', () => {
    expect(q('a b OR c')).toEqual({kind: 'or', children: [{kind: 'and', children: [word('a'), word('b')]}, word('c')]});
    expect(q('a AND (b OR c)')).toEqual({kind: 'and', children: [word('a'), {kind: 'or', children: [word('b'), word('c')]}]});
    expect(q('NOT from:bob -spam')).toEqual({kind: 'and', children: [{kind: 'not', child: word('bob', 'from')}, {kind: 'not', child: word('spam')}]});
    expect(q('-folder:Sent -"a b" -(c)')).toEqual({
      kind: 'and',
      children: [{kind: 'not', child: {kind: 'folder', name: 'Sent'}}, {kind: 'not', child: {kind: 'text', field: 'any', value: 'a b', phrase: true}}, {kind: 'not', child: word('c')}],
    });
    expect(q('x-ray -10:30')).toEqual({kind: 'and', children: [word('x-ray'), {kind: 'not', child: word('10:30')}]});
    expect(q('or and not')).toEqual({kind: 'and', children: [word('or'), word('and'), word('not')]});
    expect(q('10:30 https://x.test/a')).toEqual({kind: 'and', children: [word('10:30'), word('https://x.test/a')]});
  });

  it('points at the position of every mistake', () => {
    const cases: Array<[string, string, number]> = [
      ['from:bob (a OR b', 'a "(" without its ")"', 10],
      ['from:bob (a OR', '"OR" needs something after it', 13],
      ['a ) b', 'a ")" without its "("', 3],
      ['subject:"unfinished', 'a phrase without its closing quote', 9],
      ['colour:red', 'unknown field "colour:"', 1],
      ['larger:big', '"big" is not a size', 8],
      ['before:yesterday', '"yesterday" is not a date', 8],
      ['a OR', '"OR" needs something after it', 3],
      ['OR a', '"OR" needs something before it', 1],
      ['deleted:maybe', 'deleted:maybe must be yes or no', 9],
      ['has:pictures', 'has:pictures is not known', 5],
      ['()', 'empty parentheses', 1],
      ['   ', 'the query is empty', 1],
      ['from:', '"from:" needs a value', 6],
      ['a "..."', '"..." has no letter or digit to search for', 3],
      ['-:)', '":" has no letter or digit to search for', 2],
      ['a -colour:red', 'unknown field "colour:"', 4],
      ['queueid:4D8F/21', '"4D8F/21" is not a queue ID', 9],
    ];
    for (const [query, problem, position] of cases) {
      const error = thrownBonnieError(() => q(query));
      expect(error.code, query).toBe('QueryInvalid');
      expect(error.exit).toBe(2);
      const [first, shown, caret] = error.message.split('\n');
      expect(first, query).toBe(`${problem} at position ${position}:`);
      expect(shown).toBe(`  ${query}`);
      expect(caret?.indexOf('^'), query).toBe(2 + position - 1);
    }
  });
});

describe('inputs that would crash a search', () => {
  it('refuses nesting past the limit with the position of the first "(" or NOT too many, and accepts it up to the limit', () => {
    expect(q(`${'('.repeat(MAX_QUERY_DEPTH)}invoice${')'.repeat(MAX_QUERY_DEPTH)}`)).toEqual(word('invoice'));
    for (const deep of [`${'('.repeat(10_000)}invoice${')'.repeat(10_000)}`, `${'NOT '.repeat(10_000)}invoice`, `${'- '.repeat(10_000)}x`, `${'('.repeat(10_000)}`]) {
      const error = thrownBonnieError(() => q(deep));
      expect(error.code).toBe('QueryInvalid');
      expect(error.message).toMatch(/^the query nests more than 64 levels deep \(parentheses and NOT\) at position \d+:/);
    }
    expect(thrownBonnieError(() => q(`${'('.repeat(100)}x`)).message).toContain(`at position ${MAX_QUERY_DEPTH + 1}:`);
  });

  it('refuses more terms than one SQL statement can hold, and control characters, naming the position', () => {
    expect(() => q(Array.from({length: MAX_QUERY_TERMS}, (_, i) => `w${i}`).join(' OR '))).not.toThrow();
    const wide = Array.from({length: MAX_QUERY_TERMS + 1}, (_, i) => `w${i}`).join(' OR ');
    expect(thrownBonnieError(() => q(wide)).message).toMatch(new RegExp(`^the query has more than ${MAX_QUERY_TERMS} terms at position ${wide.lastIndexOf('w') + 1}:`));
    const nul = thrownBonnieError(() => q('"board \u0000meeting"'));
    expect(nul).toMatchObject({code: 'QueryInvalid', exit: 2});
    expect(nul.message).toMatch(/^a control character \(U\+0000\) at position 8:/);
    expect(q('invoice\tbudget')).toEqual({kind: 'and', children: [word('invoice'), word('budget')]});
  });

  it('reads years below 100 as those years, and refuses days that do not exist', () => {
    expect(parseDateValue('0050-01-01', NOW)).toEqual({from: new Date('0050-01-01T00:00:00Z').getTime(), to: new Date('0050-01-02T00:00:00Z').getTime()});
    expect(parseDateValue('0099', NOW)?.to).toBe(new Date('0100-01-01T00:00:00Z').getTime());
    expect(parseDateValue('2026-02-30', NOW)).toBeUndefined();
    expect(parseDateValue('2024-02-29', NOW)?.from).toBe(Date.UTC(2024, 1, 29));
  });
});
