/**
 * Masking: what a hit shows of a secret. Enough to recognise it (a card's issuer digits and last four, an
 * IBAN's country and check digits and last two) and never enough to use it.
 */

const MASK = '*';
/** Characters of a secret that stay masked at the least. */
const MIN_MASKED = 5;

/**
 * `value` with all but its first `head` and last `tail` characters replaced by `*`, in groups of four
 * (`4111 **** **** 1111`, `DE89 **** **** **** **** 00`). When fewer than {@link MIN_MASKED} characters
 * would be left to mask, the value is masked whole but for its first character.
 */
export function maskGrouped(value: string, head: number, tail: number): string {
  const shown = value.length - head - tail < MIN_MASKED ? {head: 1, tail: 0} : {head, tail};
  const masked = value.slice(0, shown.head) + MASK.repeat(value.length - shown.head - shown.tail) + value.slice(value.length - shown.tail);
  return masked.replace(/(.{4})(?=.)/g, '$1 ');
}

/** A card number (digits only): issuer's first four and last four (PCI DSS 3.4 allows six and four). */
export function maskCard(digits: string): string {
  return maskGrouped(digits, 4, 4);
}

/** An IBAN in electronic format: country, check digits, last two. */
export function maskIban(iban: string): string {
  return maskGrouped(iban, 4, 2);
}

/** An e-mail address: the local part's first character and the domain (`a***@example.org`). */
export function maskEmail(address: string): string {
  const at = address.lastIndexOf('@');
  if (at <= 0) return maskText(address);
  return `${address[0]}***${address.slice(at)}`;
}

/** A phone number: a leading + and its first digit, and the last two digits; every other digit masked. */
export function maskPhone(text: string): string {
  const digits = text.replace(/\D/g, '').length;
  let seen = 0;
  return text.replace(/\d/g, (d) => {
    seen++;
    const keep = (text.startsWith('+') && seen === 1) || seen > digits - 2;
    return keep ? d : MASK;
  });
}

/**
 * Any matched text: its first and last characters, the rest masked (whitespace kept), at most 40 characters.
 * Under {@link SHORT_TEXT} characters only the first is shown (a PIN's last digit is a quarter of it).
 */
export function maskText(text: string): string {
  const short = text.length > 40 ? `${text.slice(0, 39)}…` : text;
  if (short.length <= 2) return MASK.repeat(short.length);
  if (short.length < SHORT_TEXT) return short[0] + short.slice(1).replace(/\S/g, MASK);
  return short[0] + short.slice(1, -1).replace(/\S/g, MASK) + short.slice(-1);
}
const SHORT_TEXT = 8;
