/**
 * Lays out a command's help text (its summary and description as written in the source, hard-wrapped at
 * ~110 columns) for a terminal of any width: paragraphs flow, and only the layout the source means is kept.
 *
 * What the source means, read once by {@link parseHelpText}:
 * - a blank line separates paragraphs; inside one, lines at column 0 are one flowing paragraph (their line
 *   breaks are the source's wrapping, not the author's), except a heading in capitals ("QUERY LANGUAGE")
 *   and a list item ("- ", "* ", "1. "), which starts a line of its own and goes on over the next lines at
 *   column 0 or indented to its text;
 * - indented lines are either a table (rows at one indent, each a term, two spaces or more, then its text,
 *   whose continuation lines are indented to the text's column; a term too long for its column stands
 *   alone with its text below) or code (configuration, a crontab line, YAML), kept verbatim.
 */

/** A piece of a paragraph. */
export type HelpPart =
  | {kind: 'prose'; text: string; marker: string}
  | {kind: 'heading'; text: string}
  | {kind: 'table'; indent: number; column: number; rows: Array<{term: string; text: string}>}
  | {kind: 'code'; lines: string[]};

const HEADING = /^[A-Z][A-Z0-9 ,'/-]*:?$/;
const LIST_ITEM = /^([-*]|\d+[.)]) +/;
const TABLE_ROW = /^( *)(\S.*?)( {2,})(\S.*)$/;
/** Below this many columns for a table's text, the text goes under its term instead. */
const MIN_TABLE_TEXT = 30;
/** How far a table's text is indented under its term when the columns do not fit. */
const NARROW_TABLE_INDENT = 4;

/** The paragraphs of `text`, each a list of parts. */
export function parseHelpText(text: string): HelpPart[][] {
  const paragraphs: HelpPart[][] = [];
  for (const chunk of text.replace(/\r\n/g, '\n').split(/\n[ \t]*\n/)) {
    const lines = chunk.split('\n').map((line) => line.replace(/\s+$/, '').replace(/\t/g, '    ')).filter((line) => line !== '');
    if (lines.length === 0) continue;
    const parts: HelpPart[] = [];
    let indented: string[] = [];
    let prose: {kind: 'prose'; text: string; marker: string} | undefined;
    const flushIndented = () => {
      if (indented.length > 0) parts.push(readIndented(indented));
      indented = [];
    };
    for (const line of lines) {
      // A list item's next lines are indented to its text ("- " then "  "): they continue it.
      if (prose !== undefined && prose.marker !== '' && indented.length === 0 && line.startsWith(' '.repeat(prose.marker.length)) && !/^\s/.test(line.slice(prose.marker.length))) {
        prose.text += ` ${line.trim()}`;
        continue;
      }
      if (/^\s/.test(line)) {
        prose = undefined;
        indented.push(line);
        continue;
      }
      flushIndented();
      const item = LIST_ITEM.exec(line);
      if (HEADING.test(line) && /[A-Z]{2}/.test(line)) {
        prose = undefined;
        parts.push({kind: 'heading', text: line});
      } else if (item !== null) {
        prose = {kind: 'prose', text: line.slice(item[0].length), marker: item[0]};
        parts.push(prose);
      } else if (prose === undefined) {
        prose = {kind: 'prose', text: line, marker: ''};
        parts.push(prose);
      } else {
        prose.text += ` ${line}`;
      }
    }
    flushIndented();
    paragraphs.push(parts);
  }
  return paragraphs;
}

/** A table when every line is a row at one indent or a continuation at the text's column; code otherwise. */
function readIndented(lines: string[]): HelpPart {
  const indentOf = (line: string) => line.length - line.trimStart().length;
  const indent = Math.min(...lines.map(indentOf));
  const columns = new Set<number>();
  let inline = 0;
  for (const line of lines) {
    if (indentOf(line) !== indent) continue;
    const row = TABLE_ROW.exec(line);
    if (row === null) continue;
    const [, lead = '', term = '', gap = ''] = row;
    columns.add(lead.length + term.length + gap.length);
    inline += 1;
  }
  const code: HelpPart = {kind: 'code', lines};
  const [column] = columns;
  // One row alone is a table only with a continuation line (else: a crontab line, "key  value").
  const continued = lines.some((line) => indentOf(line) === column);
  if (columns.size !== 1 || column === undefined || inline < (continued ? 1 : 2)) return code;
  const rows: Array<{term: string; text: string}> = [];
  for (const line of lines) {
    const at = indentOf(line);
    if (at === indent) {
      const row = TABLE_ROW.exec(line);
      rows.push(row === null ? {term: line.trim(), text: ''} : {term: row[2] ?? '', text: row[4] ?? ''});
    } else if (at === column && rows.length > 0) {
      const last = rows[rows.length - 1];
      if (last !== undefined) last.text = last.text === '' ? line.trim() : `${last.text} ${line.trim()}`;
    } else {
      return code;
    }
  }
  return {kind: 'table', indent, column, rows};
}

/**
 * `text` laid out for `width` columns: prose and table text wrapped at spaces (a word longer than the width
 * stays whole), code verbatim, paragraphs separated by a blank line.
 */
export function layoutHelpText(text: string, width: number): string {
  return parseHelpText(text)
    .map((parts) => parts.flatMap((part) => layoutPart(part, width)).join('\n'))
    .join('\n\n');
}

function layoutPart(part: HelpPart, width: number): string[] {
  switch (part.kind) {
    case 'heading':
      return [part.text];
    case 'code':
      return part.lines;
    case 'prose': {
      const hanging = ' '.repeat(part.marker.length);
      return wrapWords(part.text, width - part.marker.length).map((line, i) => (i === 0 ? part.marker : hanging) + line);
    }
    case 'table': {
      const lead = ' '.repeat(part.indent);
      const side = width - part.column >= MIN_TABLE_TEXT;
      const column = side ? part.column : part.indent + NARROW_TABLE_INDENT;
      const pad = ' '.repeat(column);
      const out: string[] = [];
      for (const row of part.rows) {
        const text = row.text === '' ? [] : wrapWords(row.text, width - column);
        const head = lead + row.term;
        if (side && text.length > 0 && head.length + 2 <= column) {
          out.push(head.padEnd(column) + text[0], ...text.slice(1).map((line) => pad + line));
        } else {
          out.push(head, ...text.map((line) => pad + line));
        }
      }
      return out;
    }
  }
}

/**
 * Greedy word wrap at `width` columns. Runs of spaces inside the text are kept where no line breaks
 * ("both;  A OR B  either"); a line never starts or ends with spaces.
 */
export function wrapWords(text: string, width: number): string[] {
  const [first = '', ...rest] = text.trim().split(/( +)/);
  const lines: string[] = [];
  let line = first;
  for (let i = 0; i + 1 < rest.length; i += 2) {
    const space = rest[i] ?? ' ';
    const word = rest[i + 1] ?? '';
    if (line.length + space.length + word.length <= width) line += space + word;
    else {
      lines.push(line);
      line = word;
    }
  }
  lines.push(line);
  return lines;
}

/**
 * A shell command split at spaces outside quotes, never between a flag and its value, into lines of at most
 * `width` columns, every line but the last ending with " \" and the next indented by `indent`: pasted into a
 * shell, it is the same command. What cannot be split (a flag and a long value) stays whole.
 */
export function wrapCommand(command: string, width: number, indent = 4): string[] {
  const words: string[] = [];
  let word = '';
  let quote: string | undefined;
  for (const char of command.trim()) {
    if (quote === undefined && char === ' ') {
      if (word !== '') words.push(word);
      word = '';
      continue;
    }
    if (quote === undefined && (char === '"' || char === "'")) quote = char;
    else if (char === quote) quote = undefined;
    word += char;
  }
  if (word !== '') words.push(word);
  // A flag stays on the line of its value: "--out /srv/x", not "--out \" then "/srv/x".
  for (let i = words.length - 2; i >= 0; i -= 1) {
    const flag = words[i] ?? '';
    const value = words[i + 1] ?? '';
    if (/^--?[^=]+$/.test(flag) && !value.startsWith('-')) words.splice(i, 2, `${flag} ${value}`);
  }
  const lines: string[] = [];
  let line = words[0] ?? '';
  const pad = ' '.repeat(indent);
  for (const next of words.slice(1)) {
    // Room for " \" at the end of every line but the last.
    if (line.length + 1 + next.length + 2 <= width) line += ` ${next}`;
    else {
      lines.push(`${line} \\`);
      line = pad + next;
    }
  }
  lines.push(line);
  return lines;
}
