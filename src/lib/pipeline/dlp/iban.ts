/**
 * International bank account numbers (ISO 13616): a country code, two check digits and the country's BBAN,
 * written in one run or in groups of four. ibantools checks each candidate: the country's length and BBAN
 * format from the SWIFT IBAN registry, the mod-97 check digits (ISO 7064), and for some countries the
 * national account checksum too.
 *
 * Confidence: medium when the IBAN is valid; high when a banking keyword (IBAN, BIC, account...) is within
 * {@link EVIDENCE_WINDOW} characters. A wrong check digit is no IBAN at all. Only capital letters are taken
 * as a country code: that is how IBANs are printed, and lower-case runs are mostly other codes.
 */
import {countrySpecs, isValidIBAN} from 'ibantools';
import {EVIDENCE_WINDOW} from './card.js';
import type {Instance} from './instance.js';
import {maskIban} from './mask.js';

/** A country code and check digits, then letters and digits in groups (single spaces between). */
const CANDIDATE = /(?<![A-Za-z0-9])([A-Z]{2})(\d{2})((?: ?[A-Z0-9]){8,34})/g;

const KEYWORDS = /\b(iban|bic|swift|account|acct|bank|sort\s+code|konto\w*|bankverbindung|compte|rib|cuenta|conto|rekening)\b/i;

/** Every valid IBAN in `text` (see the module comment). */
export function findIbans(text: string): Instance[] {
  const found: Instance[] = [];
  for (const match of text.matchAll(CANDIDATE)) {
    const [, country = '', check = '', rest = ''] = match;
    const length = countrySpecs[country]?.chars;
    if (length === undefined) continue;
    // The country's length decides where the IBAN ends; what follows must not run on without a space.
    const want = length - 4;
    let taken = 0;
    let end = 0;
    while (end < rest.length && taken < want) if (rest[end++] !== ' ') taken++;
    if (taken < want || /[A-Za-z0-9]/.test(rest[end] ?? text[match.index + 4 + end] ?? '')) continue;
    const iban = country + check + rest.slice(0, end).replace(/ /g, '');
    if (!isValidIBAN(iban, {allowQRIBAN: true})) continue;
    const start = match.index;
    const around = text.slice(Math.max(0, start - EVIDENCE_WINDOW), start) + ' ' + text.slice(start + 4 + end, start + 4 + end + EVIDENCE_WINDOW);
    const keyword = KEYWORDS.exec(around)?.[0];
    found.push({
      confidence: keyword === undefined ? 'medium' : 'high',
      sample: maskIban(iban),
      evidence: `${country} IBAN, check digits valid${keyword === undefined ? '' : `, keyword "${keyword.toLowerCase()}" nearby`}`,
    });
  }
  return found;
}
