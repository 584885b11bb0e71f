import {describe, expect, it} from 'vitest';
import {findIbans} from '../../../../src/lib/pipeline/dlp/iban.js';

describe('iban', () => {
  it('finds valid IBANs of several countries, grouped or not, masked', () => {
    const text = 'DE89 3704 0044 0532 0130 00, GB29NWBK60161331926819, FR14 2004 1010 0505 0001 3M02 606 and NL91ABNA0417164300.';
    expect(findIbans(text).map((f) => f.sample)).toEqual(['DE89 **** **** **** **** 00', 'GB29 **** **** **** **** 19', 'FR14 **** **** **** **** **** *06', 'NL91 **** **** **** 00']);
  });

  it('is highly confident with a banking keyword nearby', () => {
    expect(findIbans('IBAN: DE89370400440532013000')[0]?.confidence).toBe('high');
    expect(findIbans('see DE89370400440532013000')[0]?.confidence).toBe('medium');
  });

  it('ignores decoys: a wrong check digit, a wrong length, an unknown country, a run that goes on', () => {
    expect(findIbans('IBAN DE88 3704 0044 0532 0130 00')).toEqual([]);
    expect(findIbans('IBAN GB28NWBK60161331926819')).toEqual([]);
    expect(findIbans('IBAN DE89 3704 0044 0532 0130 0')).toEqual([]);
    expect(findIbans('IBAN XX89370400440532013000')).toEqual([]);
    expect(findIbans('IBAN DE8937040044053201300012')).toEqual([]);
    expect(findIbans('Please send me your IBAN and BIC.')).toEqual([]);
  });
});
