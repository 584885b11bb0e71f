import {describe, expect, it} from 'vitest';
import {findEmails, findPhones} from '../../../../src/lib/pipeline/dlp/contact-lists.js';

describe('email_list and phone_list', () => {
  it('counts distinct addresses, masked', () => {
    const list = Array.from({length: 60}, (_, i) => `customer${i}@shop.example.com`).join('\n');
    const found = findEmails(`${list}\nCUSTOMER1@shop.example.com`);
    expect(found).toHaveLength(60);
    expect(found[0]).toEqual({confidence: 'high', sample: 'c***@shop.example.com'});
  });

  it('counts distinct phone numbers in international and national forms', () => {
    const found = findPhones('+49 30 1234567\n+1 (555) 010-0199?\n030 1234 5678\n(0)30-98765\n+49 30 1234567');
    expect(found.map((f) => f.confidence)).toEqual(['medium', 'medium', 'low', 'low']);
    expect(found.map((f) => f.sample)).toEqual(['+4* ** *****67', '+1 (***) ***-**99', '*** **** **78', '(*)**-***65']);
  });

  it('ignores decoys: no domain, dates, short numbers, plain digit runs', () => {
    expect(findEmails('write to alice@localhost or at bob(at)example.org')).toEqual([]);
    expect(findPhones('on 2026-12-07 at 10:00, order 12345, invoice 20261207001')).toEqual([]);
  });
});
