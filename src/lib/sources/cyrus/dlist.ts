/**
 * Cyrus' "dlist" text form, as cyrus.header (Cyrus 3.x) holds it: `%(N user.alice I 4a9f... A %(alice
 * lrswipkxtecdan) U (custom1 $Label2))`. Values are atoms, "quoted strings", literals `{n}` / `{n+}`
 * followed by CRLF and n bytes, `NIL`, lists `( ... )` and key-value lists `%( key value ... )`.
 * Only what reading cyrus.header needs: no file literals (`%{...}`).
 */

export type DlistValue = string | null | DlistValue[] | {[key: string]: DlistValue};

/**
 * Parses one dlist value; throws Error naming the byte offset on malformed input. Bytes are parsed, not
 * characters: a literal's length counts bytes (a name with "é" in a `{n}` literal), and offsets are byte
 * offsets into the input, plus `baseOffset` (where the input starts in its file). Strings are decoded as UTF-8.
 */
export function parseDlist(input: string | Uint8Array, baseOffset = 0): DlistValue {
  const bytes = typeof input === 'string' ? Buffer.from(input, 'utf8') : Buffer.from(input.buffer, input.byteOffset, input.byteLength);
  const parser = new Parser(bytes.toString('latin1'), baseOffset);
  const value = parser.value();
  parser.skipSpace();
  if (!parser.atEnd()) parser.fail(`unexpected "${parser.peek(10)}"`);
  return value;
}

/** Decodes a string parsed from latin1 text (one character per byte) as UTF-8. */
const utf8 = (bytes: string): string => (/[\x80-\xff]/.test(bytes) ? Buffer.from(bytes, 'latin1').toString('utf8') : bytes);

/** Only ASCII whitespace separates values: `\s` would also match bytes 0x85 and 0xa0 inside UTF-8 names. */
const isSpace = (c: string): boolean => c === ' ' || c === '\t' || c === '\r' || c === '\n';

class Parser {
  pos = 0;

  constructor(
    private readonly text: string,
    private readonly baseOffset: number,
  ) {}

  atEnd(): boolean {
    return this.pos >= this.text.length;
  }

  peek(length: number): string {
    return this.text.slice(this.pos, this.pos + length);
  }

  fail(message: string, at = this.pos): never {
    throw new Error(`dlist: ${message} at offset ${this.baseOffset + at}`);
  }

  skipSpace(): void {
    while (!this.atEnd() && isSpace(this.text.charAt(this.pos))) this.pos++;
  }

  value(): DlistValue {
    this.skipSpace();
    const start = this.pos;
    const c = this.text.charAt(this.pos);
    if (c === '%' && this.text.charAt(this.pos + 1) === '(') {
      this.pos += 2;
      const map: {[key: string]: DlistValue} = {};
      for (;;) {
        this.skipSpace();
        if (this.text.charAt(this.pos) === ')') {
          this.pos++;
          return map;
        }
        if (this.atEnd()) this.fail('unterminated %( )', start);
        const keyAt = this.pos;
        const key = this.value();
        if (typeof key !== 'string') this.fail('a key must be an atom or a string', keyAt);
        map[key] = this.value();
      }
    }
    if (c === '(') {
      this.pos++;
      const list: DlistValue[] = [];
      for (;;) {
        this.skipSpace();
        if (this.text.charAt(this.pos) === ')') {
          this.pos++;
          return list;
        }
        if (this.atEnd()) this.fail('unterminated ( )', start);
        list.push(this.value());
      }
    }
    if (c === '"') return this.quoted();
    if (c === '{') return this.literal();
    while (!this.atEnd() && !isSpace(this.text.charAt(this.pos)) && this.text.charAt(this.pos) !== '(' && this.text.charAt(this.pos) !== ')') this.pos++;
    if (this.pos === start) this.fail(this.atEnd() ? 'value expected, found the end of the input' : `value expected, found "${c}"`);
    const atom = this.text.slice(start, this.pos);
    return atom === 'NIL' ? null : utf8(atom);
  }

  private quoted(): string {
    const start = this.pos++;
    let out = '';
    while (!this.atEnd()) {
      const c = this.text.charAt(this.pos++);
      if (c === '"') return utf8(out);
      if (c === '\\') out += this.text.charAt(this.pos++);
      else out += c;
    }
    this.fail('unterminated quoted string', start);
  }

  private literal(): string {
    const start = this.pos;
    const match = /^\{(\d+)\+?\}\r?\n/.exec(this.peek(24));
    if (match === null) this.fail('bad literal');
    this.pos += match[0].length;
    const length = Number(match[1]);
    const out = this.text.slice(this.pos, this.pos + length);
    if (out.length < length) this.fail(`literal of ${length} bytes runs past the end`, start);
    this.pos += length;
    return utf8(out);
  }
}
