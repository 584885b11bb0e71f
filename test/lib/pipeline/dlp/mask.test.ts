import {describe, expect, it} from 'vitest';
import {maskCard, maskEmail, maskGrouped, maskIban, maskText} from '../../../../src/lib/pipeline/dlp/mask.js';

describe('masking', () => {
  it('shows a card’s first and last four and an IBAN’s country, check digits and last two', () => {
    expect(maskCard('4111111111111111')).toBe('4111 **** **** 1111');
    expect(maskIban('DE89370400440532013000')).toBe('DE89 **** **** **** **** 00');
    expect(maskEmail('alice.archer@example.org')).toBe('a***@example.org');
  });

  it('masks a short value whole but for its first character', () => {
    expect(maskGrouped('123456789', 4, 4)).toBe('1*** **** *');
    expect(maskText('ab')).toBe('**');
    expect(maskText('secret word')).toBe('s***** ***d');
    expect(maskText('1234')).toBe('1***');
  });
});
