/**
 * Roff for man(7) pages: escaping, inline markup and a line-oriented page builder (scripts/gen-man.js).
 * man(7) only (no mdoc, no tbl), so groff, mandoc and man-db all render it.
 */

/** Manual section of every bonnie page. */
export const SECTION = '1';

/** Escapes text for roff: backslashes, hyphens (as \- so they print and paste as ASCII), non-ASCII. */
export function esc(text) {
  return String(text)
    .replace(/\\/g, '\\e')
    .replace(/-/g, '\\-')
    .replace(/[^\x20-\x7e\n\t]/gu, (c) => `\\[u${c.codePointAt(0).toString(16).toUpperCase().padStart(4, '0')}]`);
}

/** Tagged template for prose: the literal parts are escaped, the interpolations are roff already. */
export const r = (strings, ...values) => strings.reduce((out, s, i) => out + esc(s) + (i < values.length ? values[i] : ''), '');
export const bold = (text) => `\\fB${esc(text)}\\fR`;
export const italic = (text) => `\\fI${esc(text)}\\fR`;
/** A man page reference such as bonnie(1). */
export const ref = (name, section = SECTION) => `\\fB${esc(name)}\\fR(${section})`;
/** A macro argument, quoted. */
export const quoted = (text) => `"${esc(text).replace(/"/g, '\\(dq')}"`;

/**
 * Lines of a page. Text lines are already-escaped roff; a text line starting with . or ' would be read as
 * a request, so it gets a zero-width \& in front. Empty text lines are dropped (a blank line is a
 * paragraph break in roff; .PP says so explicitly).
 */
export class Page {
  lines = [];

  macro(name, ...args) {
    this.lines.push(`.${name}${args.map((a) => ` ${a}`).join('')}`);
    return this;
  }

  text(...roff) {
    for (const line of roff.join('\n').split('\n')) {
      const trimmed = line.trimEnd();
      if (trimmed === '') continue;
      this.lines.push(/^[.']/.test(trimmed) ? `\\&${trimmed}` : trimmed);
    }
    return this;
  }

  section(title) {
    return this.macro('SH', /\s/.test(title) ? quoted(title) : esc(title));
  }

  /** Preformatted, indented lines (commands, file snippets). */
  literal(lines) {
    this.macro('RS', '4').macro('nf');
    for (const line of lines) this.lines.push(/^[.']/.test(line) || line === '' ? `\\&${esc(line)}` : esc(line));
    return this.macro('fi').macro('RE');
  }

  /**
   * Prose from a command's description: paragraphs separated by blank lines; "- " starts a list item (its
   * next lines indented by 2); other lines indented more than the paragraph's first line are shown as
   * written (e.g. a line of imapd.conf).
   */
  prose(text) {
    let first = true;
    for (const paragraph of text.split(/\n\s*\n/)) {
      if (paragraph.trim() === '') continue;
      if (!first) this.macro('PP');
      first = false;
      let block = [];
      // Inside a list item ("- " at the start of a line, its next lines indented by 2): a tagged paragraph.
      let item = false;
      const flush = () => {
        if (block.length === 0) return;
        const indent = Math.min(...block.map((l) => l.length - l.trimStart().length));
        this.literal(block.map((l) => l.slice(indent)));
        block = [];
      };
      for (const line of paragraph.split('\n')) {
        if (item && /^ {2}\S/.test(line)) this.text(esc(line.trim()));
        else if (/^- /.test(line)) {
          flush();
          item = true;
          this.macro('IP', '\\(bu', '2').text(esc(line.slice(2)));
        } else if (/^\s/.test(line)) block.push(line.trimEnd());
        else {
          flush();
          if (item) this.macro('PP');
          item = false;
          this.text(esc(line));
        }
      }
      flush();
    }
    return this;
  }

  toString() {
    return `${this.lines.join('\n')}\n`;
  }
}
