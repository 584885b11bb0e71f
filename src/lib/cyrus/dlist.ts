/**
 * Cyrus' "dlist" text form, as cyrus.header (Cyrus 3.x) holds it: `%(N user.alice I 4a9f... A %(alice
 * lrswipkxtecdan) U (custom1 $Label2))`. Values are atoms, "quoted strings", literals `{n}` / `{n+}`
 * followed by CRLF and n bytes, `NIL`, lists `( ... )` and key-value lists `%( key value ... )`.
 * Only what reading cyrus.header needs: no file literals (`%{...}`).
 */

export type DlistValue = string | null | DlistValue[] | {[key: string]: DlistValue};

/** Parses one dlist value from `text`; throws Error with the offset on malformed input. */
export function parseDlist(text: string): DlistValue {
  const parser = new Parser(text);
  const value = parser.value();
  parser.skipSpace();
  if (!parser.atEnd()) throw new Error(`dlist: unexpected "${text.slice(parser.pos, parser.pos + 10)}" at offset ${parser.pos}`);
  return value;
}

class Parser {
  pos = 0;

  constructor(private readonly text: string) {}

  atEnd(): boolean {
    return this.pos >= this.text.length;
  }

  skipSpace(): void {
    while (!this.atEnd() && /\s/.test(this.text.charAt(this.pos))) this.pos++;
  }

  value(): DlistValue {
    this.skipSpace();
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
        if (this.atEnd()) throw new Error('dlist: unterminated %( )');
        const key = this.value();
        if (typeof key !== 'string') throw new Error(`dlist: a key must be an atom (offset ${this.pos})`);
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
        if (this.atEnd()) throw new Error('dlist: unterminated ( )');
        list.push(this.value());
      }
    }
    if (c === '"') return this.quoted();
    if (c === '{') return this.literal();
    if (this.atEnd()) throw new Error('dlist: value expected at the end of the input');
    const start = this.pos;
    while (!this.atEnd() && !/[\s()]/.test(this.text.charAt(this.pos))) this.pos++;
    const atom = this.text.slice(start, this.pos);
    return atom === 'NIL' ? null : atom;
  }

  private quoted(): string {
    this.pos++;
    let out = '';
    while (!this.atEnd()) {
      const c = this.text.charAt(this.pos++);
      if (c === '"') return out;
      if (c === '\\') out += this.text.charAt(this.pos++);
      else out += c;
    }
    throw new Error('dlist: unterminated quoted string');
  }

  private literal(): string {
    const match = /^\{(\d+)\+?\}\r?\n/.exec(this.text.slice(this.pos, this.pos + 24));
    if (match === null) throw new Error(`dlist: bad literal at offset ${this.pos}`);
    this.pos += match[0].length;
    const length = Number(match[1]);
    const out = this.text.slice(this.pos, this.pos + length);
    if (out.length < length) throw new Error('dlist: literal runs past the end');
    this.pos += length;
    return out;
  }
}
