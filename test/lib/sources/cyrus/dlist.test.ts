import {describe, expect, it} from 'vitest';
import {parseDlist} from '../../../../src/lib/sources/cyrus/dlist.js';

describe('parseDlist', () => {
  it('reads atoms, NIL and nested lists', () => {
    expect(parseDlist('user.alice')).toBe('user.alice');
    expect(parseDlist('NIL')).toBeNull();
    expect(parseDlist('(custom1 $Label2 \\Seen NIL (a (b)) ())')).toEqual(['custom1', '$Label2', '\\Seen', null, ['a', ['b']], []]);
  });

  it('reads quoted strings with their escapes', () => {
    expect(parseDlist('"a \\"quoted\\" name with \\\\ and spaces"')).toBe('a "quoted" name with \\ and spaces');
    expect(parseDlist('""')).toBe('');
    expect(parseDlist('"NIL"')).toBe('NIL'); // a quoted NIL is the string
  });

  it('reads literals {n} and {n+}, counting bytes, not characters', () => {
    expect(parseDlist('{5}\r\nhello')).toBe('hello');
    expect(parseDlist('({3+}\r\na b c)')).toEqual(['a b', 'c']);
    // "user.alice.Ablagé" is 17 characters but 18 bytes in UTF-8: Cyrus writes the byte count.
    expect(parseDlist('%(N {18}\r\nuser.alice.Ablagé U NIL)')).toEqual({N: 'user.alice.Ablagé', U: null});
    expect(parseDlist(Buffer.from('(x {2}\r\né)', 'utf8'))).toEqual(['x', 'é']);
  });

  it('reads key-value lists, nested, with UTF-8 names', () => {
    expect(parseDlist('%(T e N user.alice I ttgmduef4pb10l8j0alg1c57 A %(alice lrswipkxtecdan "group:staff" lr) U (custom1 $Label2))')).toEqual({
      T: 'e',
      N: 'user.alice',
      I: 'ttgmduef4pb10l8j0alg1c57',
      A: {alice: 'lrswipkxtecdan', 'group:staff': 'lr'},
      U: ['custom1', '$Label2'],
    });
    expect(parseDlist('%()')).toEqual({});
    // 0xa0 is the second byte of "à": it must not be taken for a space.
    expect(parseDlist('%(N user.voilà)')).toEqual({N: 'user.voilà'});
  });

  it.each([
    ['(a b', 'unterminated ( ) at offset 0'],
    ['%(N user.alice', 'unterminated %( ) at offset 0'],
    ['%(N user.alice A "lr', 'unterminated quoted string at offset 17'],
    ['%(N)', 'value expected, found ")" at offset 3'],
    ['', 'value expected, found the end of the input at offset 0'],
    ['{x}\r\nabc', 'bad literal at offset 0'],
    ['({10}\r\nabc)', 'literal of 10 bytes runs past the end at offset 1'],
    ['%((a) b)', 'a key must be an atom or a string at offset 2'],
    ['(a) b', 'unexpected "b" at offset 4'],
  ])('refuses %j, naming the offset', (input, message) => {
    expect(() => parseDlist(input)).toThrow(`dlist: ${message}`);
  });

  it('counts offsets from where the input starts in its file', () => {
    expect(() => parseDlist('(a', 100)).toThrow('unterminated ( ) at offset 100');
  });
});
