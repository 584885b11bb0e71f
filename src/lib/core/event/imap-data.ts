/**
 * A small reader for IMAP response data (RFC 3501 section 4): NIL, atoms, quoted strings with backslash
 * escapes, literals `{n}CRLF...` and parenthesized lists. Enough for ENVELOPE; not a full IMAP parser.
 */

/** A parsed IMAP value: a string (atom, quoted or literal), `null` for NIL, or a list. */
export type ImapValue = string | null | ImapValue[];

/** Result of {@link parseImapData}. */
export type ImapDataResult = {ok: true; value: ImapValue} | {ok: false; error: string};

/** Nesting limit: ENVELOPE needs 3 levels; this keeps hostile input from exhausting the stack. */
const MAX_DEPTH = 32;

class ImapSyntaxError extends Error {}

/**
 * Parses exactly one IMAP value (usually a list) from `text`; anything after it but blanks is an error.
 * Literal lengths count UTF-8 octets (RFC 3501 section 4.3), as the text was before JSON decoding.
 */
export function parseImapData(text: string): ImapDataResult {
  const reader = new Reader(text);
  try {
    reader.skipBlanks();
    const value = reader.value(0);
    reader.skipBlanks();
    if (reader.pos < text.length) reader.fail('unexpected data after the value');
    return {ok: true, value};
  } catch (error) {
    if (error instanceof ImapSyntaxError) return {ok: false, error: error.message};
    throw error;
  }
}

class Reader {
  pos = 0;

  constructor(private readonly text: string) {}

  fail(reason: string): never {
    throw new ImapSyntaxError(`${reason} at offset ${this.pos}`);
  }

  skipBlanks(): void {
    // SP separates values; CR/LF and tabs are tolerated too.
    while (this.pos < this.text.length) {
      const c = this.text.charCodeAt(this.pos);
      if (c !== 0x20 && c !== 0x09 && c !== 0x0d && c !== 0x0a) break;
      this.pos++;
    }
  }

  value(depth: number): ImapValue {
    const c = this.text[this.pos];
    if (c === undefined) this.fail('unexpected end of data');
    if (c === '(') return this.list(depth + 1);
    if (c === '"') return this.quoted();
    if (c === '{') return this.literal();
    if (c === ')') this.fail('unexpected ")"');
    return this.atom();
  }

  private list(depth: number): ImapValue[] {
    if (depth > MAX_DEPTH) this.fail('lists nested too deeply');
    this.pos++; // (
    const items: ImapValue[] = [];
    for (;;) {
      this.skipBlanks();
      if (this.pos >= this.text.length) this.fail('unterminated list');
      if (this.text[this.pos] === ')') {
        this.pos++;
        return items;
      }
      items.push(this.value(depth));
    }
  }

  /** quoted = DQUOTE *QUOTED-CHAR DQUOTE; `\"` and `\\` are the escapes (RFC 3501 section 9). */
  private quoted(): string {
    const start = ++this.pos;
    let out = '';
    let chunk = start;
    for (;;) {
      const c = this.text[this.pos];
      if (c === undefined) this.fail('unterminated quoted string');
      if (c === '"') {
        out += this.text.slice(chunk, this.pos);
        this.pos++;
        return out;
      }
      if (c === '\\') {
        out += this.text.slice(chunk, this.pos);
        const escaped = this.text[this.pos + 1];
        if (escaped === undefined) this.fail('unterminated quoted string');
        out += escaped; // lenient: any escaped character stands for itself
        this.pos += 2;
        chunk = this.pos;
        continue;
      }
      this.pos++;
    }
  }

  /** literal = "{" number ["+"] "}" CRLF *CHAR8, the number counting octets (RFC 3501 section 4.3). */
  private literal(): string {
    const close = this.text.indexOf('}', this.pos);
    const spec = close < 0 ? '' : this.text.slice(this.pos + 1, close);
    const match = /^([0-9]{1,9})\+?$/.exec(spec);
    if (match?.[1] === undefined) this.fail('malformed literal');
    const octets = Number(match[1]);
    this.pos = close + 1;
    if (this.text.startsWith('\r\n', this.pos)) this.pos += 2;
    else if (this.text[this.pos] === '\n') this.pos += 1;
    else this.fail('literal without CRLF');

    const start = this.pos;
    let count = 0;
    while (count < octets) {
      const cp = this.text.codePointAt(this.pos);
      if (cp === undefined) this.fail('literal longer than the data');
      count += cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
      this.pos += cp > 0xffff ? 2 : 1;
    }
    if (count !== octets) this.fail('literal length splits a character');
    return this.text.slice(start, this.pos);
  }

  /** atom, or NIL (case-insensitive). Numbers come back as their digits. */
  private atom(): string | null {
    const start = this.pos;
    while (this.pos < this.text.length) {
      const c = this.text[this.pos];
      if (c === ' ' || c === '(' || c === ')' || c === '"' || c === '\t' || c === '\r' || c === '\n') break;
      this.pos++;
    }
    if (this.pos === start) this.fail('expected a value');
    const atom = this.text.slice(start, this.pos);
    return atom.length === 3 && atom.toUpperCase() === 'NIL' ? null : atom;
  }
}
