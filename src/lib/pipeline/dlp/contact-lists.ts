/**
 * Lists of contacts: e-mail addresses and phone numbers in a message's text. Each distinct one is an
 * instance, so a rule's `min_count` is "a list of more than N" (a customer export, a staff directory).
 *
 * Confidence: an e-mail address is high (its syntax is unambiguous). A phone number is medium when written
 * in international form (+ and a country code), low otherwise (grouped digits that are a phone number's
 * length: it could be a date or a reference number).
 */
import type {Instance} from './instance.js';
import {maskEmail, maskPhone} from './mask.js';

/** RFC 5322's dot-atom local part and a domain with a dot; lengths per RFC 5321 4.5.3.1. */
const EMAIL = /(?<![\w.+-])[\w!#$%&'*+/=?^`{|}~-]{1,64}(?:\.[\w!#$%&'*+/=?^`{|}~-]+)*@(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,63}(?![\w-])/g;

/**
 * `+country` (and an `(area)`), or a leading 0 or `(area)`, then groups of digits separated by single spaces, dots or dashes;
 * 7 to 15 digits in all (ITU-T E.164).
 */
const PHONE = /(?<![\w+])(?:\+\d{1,3}[ .-]?(?:\(\d{1,5}\)[ .-]?)?|\(\d{1,5}\)[ .-]?|0)\d{1,5}(?:[ .-]?\d{1,5}){1,5}(?![\w])/g;

/** Distinct e-mail addresses in `text` (compared without regard to case). */
export function findEmails(text: string): Instance[] {
  const seen = new Set<string>();
  const found: Instance[] = [];
  for (const [address] of text.matchAll(EMAIL)) {
    const key = address.toLowerCase();
    if (seen.has(key)) continue;
    seen.add(key);
    found.push({confidence: 'high', sample: maskEmail(address)});
  }
  return found;
}

/** Distinct phone numbers in `text` (compared by their digits). */
export function findPhones(text: string): Instance[] {
  const seen = new Set<string>();
  const found: Instance[] = [];
  for (const [written] of text.matchAll(PHONE)) {
    const digits = written.replace(/\D/g, '');
    if (digits.length < 7 || digits.length > 15 || seen.has(digits)) continue;
    seen.add(digits);
    found.push({confidence: written.startsWith('+') ? 'medium' : 'low', sample: maskPhone(written)});
  }
  return found;
}
