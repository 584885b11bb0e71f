/** Just enough of RFC 4514 (string DNs) to read a group's name from its DN. */

/**
 * The value of `attribute` (case-insensitive) in the first RDN of `dn`, unescaped, or undefined when that
 * RDN has no such attribute or is a `#`-hex BER value. `cn=Sales\2C EMEA+ou=x,ou=Groups` -> `Sales, EMEA`.
 */
export function firstRdnValue(dn: string, attribute: string): string | undefined {
  const wanted = attribute.toLowerCase();
  for (const ava of splitUnescaped(firstRdn(dn), '+')) {
    const eq = ava.indexOf('=');
    if (eq < 0) continue;
    if (ava.slice(0, eq).trim().toLowerCase() !== wanted) continue;
    // Blanks around the value are not part of it, unless escaped (`\ `).
    const raw = ava.slice(eq + 1).trimStart().replace(/(?<!\\)\s+$/, '');
    return raw.startsWith('#') ? undefined : unescapeValue(raw);
  }
  return undefined;
}

function firstRdn(dn: string): string {
  return splitUnescaped(dn, ',')[0] ?? '';
}

/** Splits at `separator` where it is not escaped with a backslash. */
function splitUnescaped(text: string, separator: string): string[] {
  const parts: string[] = [];
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    if (text[i] === '\\') i++;
    else if (text[i] === separator) {
      parts.push(text.slice(start, i));
      start = i + 1;
    }
  }
  parts.push(text.slice(start));
  return parts;
}

/** `\,` -> `,`; `\C3\A9` -> `é` (consecutive hex pairs are the bytes of UTF-8). */
function unescapeValue(value: string): string {
  return value.replace(/((?:\\[0-9A-Fa-f]{2})+)|\\(.)/gsu, (_whole, hex: string | undefined, char: string | undefined) =>
    hex === undefined ? (char ?? '') : Buffer.from(hex.replace(/\\/g, ''), 'hex').toString('utf8'),
  );
}
