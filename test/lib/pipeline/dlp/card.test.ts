import {describe, expect, it} from 'vitest';
import {cardIssuer, findCards, luhnValid} from '../../../../src/lib/pipeline/dlp/card.js';

/** The networks' published test numbers: valid checksums, real issuer prefixes. */
const VALID: ReadonlyArray<[string, string]> = [
  ['4111111111111111', 'Visa'],
  ['4012888888881881', 'Visa'],
  ['5555555555554444', 'Mastercard'],
  ['2223003122003222', 'Mastercard'],
  ['378282246310005', 'American Express'],
  ['6011111111111117', 'Discover'],
  ['3530111333300000', 'JCB'],
  ['30569309025904', 'Diners Club'],
  ['6200000000000005', 'UnionPay'],
];

describe('credit_card', () => {
  it('checks Luhn and knows the issuers by prefix and length', () => {
    for (const [number, issuer] of VALID) {
      expect(luhnValid(number), number).toBe(true);
      expect(cardIssuer(number), number).toBe(issuer);
    }
    expect(luhnValid('4111111111111112')).toBe(false);
    expect(cardIssuer('4111111111111')).toBe('Visa');
    // A Visa prefix at Amex's length is no issuer's.
    expect(cardIssuer('411111111111116')).toBeUndefined();
  });

  it('finds numbers in one run, grouped by spaces or by dashes, masked', () => {
    const found = findCards('a 4111 1111 1111 1111 b 5555-5555-5555-4444 c 378282246310005 d');
    expect(found.map((f) => f.sample)).toEqual(['4111 **** **** 1111', '5555 **** **** 4444', '3782 **** ***0 005']);
    expect(found.every((f) => f.confidence === 'medium')).toBe(true);
  });

  it('is highly confident with a card keyword or an expiry date nearby', () => {
    expect(findCards('Visa: 4111111111111111')[0]).toMatchObject({confidence: 'high', evidence: expect.stringContaining('keyword "visa"')});
    expect(findCards('4111111111111111 valid until 09/28')[0]).toMatchObject({confidence: 'high'});
    expect(findCards(`${'x'.repeat(400)} card ${'y'.repeat(400)} 4111111111111111`)[0]?.confidence).toBe('medium');
  });

  it('gives low confidence to a valid checksum no issuer uses', () => {
    expect(findCards('ref 1234567812345670')).toEqual([expect.objectContaining({confidence: 'low', sample: '1234 **** **** 5670'})]);
  });

  it('ignores decoys: a wrong checksum, card words without a number, digits inside longer runs, mixed separators', () => {
    expect(findCards('Visa card 4111 1111 1111 1112, expires 12/27')).toEqual([]);
    expect(findCards('Please send your credit card number and CVV, exp 12/27.')).toEqual([]);
    expect(findCards('tracking 94111111111111111123')).toEqual([]);
    expect(findCards('4111 1111-1111 1111')).toEqual([]);
    expect(findCards('0000000000000000')).toEqual([]);
  });
});
