/**
 * Payment card numbers, as Purview's "Credit Card Number" type finds them: 13 to 19 digits (in groups
 * separated by single spaces or dashes, or in one run) whose Luhn checksum (ISO/IEC 7812-1 Annex B) holds.
 *
 * Confidence:
 * - low: the checksum holds, but no issuer uses that prefix with that length;
 * - medium: the checksum holds and an issuer's prefix and length match (Visa, Mastercard, Amex...);
 * - high: that, and within {@link EVIDENCE_WINDOW} characters a card keyword (card, visa, CVV...) or an
 *   expiry date (MM/YY, MM/YYYY).
 * A number whose checksum fails is not a card at all (nine in ten random numbers fail it).
 *
 * The Luhn check is written here rather than taken from a package: it is six lines, the packages that offer
 * it (luhn, fast-luhn) are unmaintained one-function modules, and the check must run on digits we extracted
 * ourselves anyway.
 */
import type {Instance} from './instance.js';
import {maskCard} from './mask.js';

/** Characters either side of a number searched for keywords and expiry dates (Purview's proximity). */
export const EVIDENCE_WINDOW = 300;

/** A run of 13-19 digits, possibly grouped by single spaces or dashes, not inside a longer run of digits. */
const CANDIDATE = /(?<![\d-])\d(?:[ -]?\d){12,18}(?![\d])/g;

/** Issuers' prefixes (IIN ranges) and lengths, after ISO/IEC 7812 and the networks' published tables. */
const ISSUERS: ReadonlyArray<{name: string; prefix: RegExp; lengths: readonly number[]}> = [
  {name: 'Visa', prefix: /^4/, lengths: [13, 16, 19]},
  {name: 'Mastercard', prefix: /^(5[1-5]|222[1-9]|22[3-9]\d|2[3-6]\d\d|27[01]\d|2720)/, lengths: [16]},
  {name: 'American Express', prefix: /^3[47]/, lengths: [15]},
  {name: 'Diners Club', prefix: /^(30[0-5]|3095|36|3[89])/, lengths: [14, 15, 16, 17, 18, 19]},
  {name: 'Discover', prefix: /^(6011|64[4-9]|65|622(12[6-9]|1[3-9]\d|[2-8]\d\d|9[01]\d|92[0-5]))/, lengths: [16, 17, 18, 19]},
  {name: 'JCB', prefix: /^35(2[89]|[3-8]\d)/, lengths: [16, 17, 18, 19]},
  {name: 'UnionPay', prefix: /^62/, lengths: [16, 17, 18, 19]},
  {name: 'Maestro', prefix: /^(5018|5020|5038|5893|6304|6759|676[1-3])/, lengths: [12, 13, 14, 15, 16, 17, 18, 19]},
];

/** Words that go with card numbers (Purview's Keyword_cc_verification and Keyword_cc_name, abridged). */
const KEYWORDS =
  /\b(cards?|credit|debit|visa|master\s?card|amex|american\s+express|diners|discover|jcb|maestro|unionpay|cvv2?|cvc2?|cid|security\s+code|card\s?holder|expir\w*|exp|valid\s+thru|valid\s+through|karte|kreditkarte|carte|tarjeta|cartão|ccn|cc#?)\b/i;

/** An expiry date: MM/YY, MM-YY, MM/YYYY. */
const EXPIRY = /(?<!\d)(0[1-9]|1[0-2])\s?[/-]\s?(\d{2}|20\d{2})(?!\d)/;

/** ISO/IEC 7812-1 Annex B: from the right, every second digit doubled (minus 9 above 9); the sum ends in 0. */
export function luhnValid(digits: string): boolean {
  let sum = 0;
  for (let i = digits.length - 1, double = false; i >= 0; i--, double = !double) {
    let d = digits.charCodeAt(i) - 48;
    if (double) d = d * 2 > 9 ? d * 2 - 9 : d * 2;
    sum += d;
  }
  return sum % 10 === 0;
}

/** The issuer whose prefix and length fit `digits`, if any. */
export function cardIssuer(digits: string): string | undefined {
  return ISSUERS.find((issuer) => issuer.lengths.includes(digits.length) && issuer.prefix.test(digits))?.name;
}

/** Every card number in `text` (see the module comment). */
export function findCards(text: string): Instance[] {
  const found: Instance[] = [];
  for (const match of text.matchAll(CANDIDATE)) {
    const written = match[0];
    // Groups separated by both spaces and dashes, or by more than one kind per gap, are not how cards are written.
    if (written.includes(' ') && written.includes('-')) continue;
    const digits = written.replace(/[ -]/g, '');
    if (!luhnValid(digits) || /^(\d)\1+$/.test(digits)) continue;
    const issuer = cardIssuer(digits);
    if (issuer === undefined) {
      found.push({confidence: 'low', sample: maskCard(digits), evidence: 'checksum only, no issuer uses this prefix and length'});
      continue;
    }
    const start = match.index;
    const around = text.slice(Math.max(0, start - EVIDENCE_WINDOW), start) + ' ' + text.slice(start + written.length, start + written.length + EVIDENCE_WINDOW);
    const keyword = KEYWORDS.exec(around)?.[0];
    const expiry = keyword === undefined && EXPIRY.test(around);
    found.push({
      confidence: keyword !== undefined || expiry ? 'high' : 'medium',
      sample: maskCard(digits),
      evidence: `${issuer}, checksum valid${keyword !== undefined ? `, keyword "${keyword.toLowerCase()}" nearby` : expiry ? ', expiry date nearby' : ''}`,
    });
  }
  return found;
}
