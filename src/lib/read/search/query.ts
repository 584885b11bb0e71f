/**
 * bonnie's search query language (documented in bonnie-search(1)), parsed into a tree that the search
 * compiles to bound SQL parameters: the text of a query never becomes SQL or FTS5 syntax.
 *
 *   query     := or
 *   or        := and ("OR" and)*
 *   and       := unary (["AND"] unary)*          juxtaposition means AND
 *   unary     := ("NOT" | "-") unary | primary
 *   primary   := "(" or ")" | field ":" value | word | "phrase"
 *
 * Fields: from to cc subject body attachment (file names) messageid; has:attachment; before: after: on:
 * (YYYY, YYYY-MM, YYYY-MM-DD, or a duration back from now: 7d); larger: smaller: (bytes, 10k, 2M, 1.5MB);
 * user: folder: flag: (seen answered flagged draft deleted, or a keyword); deleted:yes|no; queueid: (a queue ID
 * any MTA logged for the message, read by `bonnie maillog`). AND, OR and NOT
 * are operators only in capitals; a field name is case-insensitive.
 */
import {parseDateRange} from '../../base/config/dates.js';
import {parseDuration} from '../../base/config/duration.js';
import {BonnieError, EXIT} from '../../base/errors.js';

export type TextField = 'any' | 'from' | 'to' | 'cc' | 'subject' | 'body' | 'attachment' | 'messageid';

export type QueryNode =
  | {kind: 'and'; children: QueryNode[]}
  | {kind: 'or'; children: QueryNode[]}
  | {kind: 'not'; child: QueryNode}
  | {kind: 'text'; field: TextField; value: string; phrase: boolean}
  | {kind: 'has'; what: 'attachment'}
  | {kind: 'date'; op: 'before' | 'after' | 'on'; from: number; to: number}
  | {kind: 'size'; op: 'larger' | 'smaller'; bytes: number}
  | {kind: 'user'; login: string}
  | {kind: 'folder'; name: string}
  | {kind: 'flag'; flag: string}
  | {kind: 'deleted'; value: boolean}
  | {kind: 'queueid'; queueId: string};

const TEXT_FIELDS: Record<string, TextField> = {from: 'from', to: 'to', cc: 'cc', subject: 'subject', body: 'body', attachment: 'attachment', messageid: 'messageid', 'message-id': 'messageid'};
const OTHER_FIELDS = new Set(['has', 'before', 'after', 'on', 'larger', 'smaller', 'user', 'folder', 'flag', 'deleted', 'queueid']);
const SYSTEM_FLAGS: Record<string, string> = {seen: '\\Seen', answered: '\\Answered', flagged: '\\Flagged', draft: '\\Draft', deleted: '\\Deleted'};

interface Token {
  type: 'word' | 'phrase' | 'lparen' | 'rparen' | 'field';
  text: string;
  /** 0-based offset in the query. */
  pos: number;
  /** For `field`: the field name (lower case); text is the value, `valuePhrase` when quoted. */
  field?: string;
  valuePhrase?: boolean;
  valuePos?: number;
}

/** Parses a query. Throws BonnieError QueryInvalid (usage) whose message points at the position. */
export function parseQuery(query: string, now: Date = new Date()): QueryNode {
  const tokens = tokenize(query);
  if (tokens.length === 0) throw queryError(query, 0, 'the query is empty');
  const parser = new Parser(query, tokens, now);
  const node = parser.or();
  if (!parser.atEnd()) {
    const t = parser.peek() as Token;
    throw queryError(query, t.pos, t.type === 'rparen' ? 'a ")" without its "("' : `unexpected "${t.text}"`);
  }
  return node;
}

function tokenize(query: string): Token[] {
  // NUL ends a string for FTS5's query parser; no control character is in the index anyway. Tabs and
  // line ends separate words like spaces.
  const control = /[^\P{Cc}\t\n\r\v\f]/u.exec(query);
  if (control !== null) {
    const code = `U+${control[0].charCodeAt(0).toString(16).toUpperCase().padStart(4, '0')}`;
    throw queryError(query.replace(/\p{Cc}/gu, ' '), control.index, `a control character (${code})`, 'Remove it: a query is words, "phrases" and field:value terms.');
  }
  const tokens: Token[] = [];
  let i = 0;
  while (i < query.length) {
    const c = query.charAt(i);
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    if (c === '(' || c === ')') {
      tokens.push({type: c === '(' ? 'lparen' : 'rparen', text: c, pos: i});
      i++;
      continue;
    }
    if (c === '"') {
      const {text, end} = readPhrase(query, i);
      tokens.push({type: 'phrase', text, pos: i});
      i = end;
      continue;
    }
    // `-from:bob`: NOT before a field term.
    if (c === '-' && /^[a-z][a-z-]*:/i.test(query.slice(i + 1))) {
      tokens.push({type: 'word', text: '-', pos: i});
      i++;
      continue;
    }
    const start = i;
    while (i < query.length && !/[\s()"]/.test(query.charAt(i)) && query.charAt(i) !== ':') i++;
    const head = query.slice(start, i);
    const field = head.toLowerCase();
    if (query.charAt(i) === ':' && head !== '' && isField(field)) {
      i++;
      if (query.charAt(i) === '"') {
        const {text, end} = readPhrase(query, i);
        tokens.push({type: 'field', text, pos: start, field, valuePhrase: true, valuePos: i});
        i = end;
      } else {
        const valueStart = i;
        while (i < query.length && !/[\s()]/.test(query.charAt(i))) i++;
        tokens.push({type: 'field', text: query.slice(valueStart, i), pos: start, field, valuePhrase: false, valuePos: valueStart});
      }
      continue;
    }
    if (query.charAt(i) === ':' && /^[a-z][a-z-]*$/i.test(head) && query.charAt(i + 1) !== '/') {
      throw queryError(query, start, `unknown field "${head}:"`, `Fields: ${[...Object.keys(TEXT_FIELDS).filter((f) => f !== 'message-id'), ...OTHER_FIELDS].join(': ')}:. Put a word with a colon in quotes.`);
    }
    // A word (a colon inside a word, e.g. a time or a URL, is part of it).
    while (i < query.length && !/[\s()"]/.test(query.charAt(i))) i++;
    tokens.push({type: 'word', text: query.slice(start, i), pos: start});
  }
  return tokens;
}

function isField(name: string): boolean {
  return name in TEXT_FIELDS || OTHER_FIELDS.has(name);
}

function readPhrase(query: string, start: number): {text: string; end: number} {
  const close = query.indexOf('"', start + 1);
  if (close < 0) throw queryError(query, start, 'a phrase without its closing quote');
  const text = query.slice(start + 1, close);
  if (text.trim() === '') throw queryError(query, start, 'an empty phrase');
  return {text, end: close + 1};
}

/**
 * How deep parentheses and NOT may nest: far more than a person writes, and little enough that the
 * parser, the compiler (both recursive) and SQLite's expression depth (1000) never run out.
 */
export const MAX_QUERY_DEPTH = 64;
/** How many terms a query may have: each is a condition in one SQL statement, whose size SQLite bounds. */
export const MAX_QUERY_TERMS = 256;

class Parser {
  private i = 0;
  private depth = 0;
  private terms = 0;

  constructor(private readonly query: string, private readonly tokens: Token[], private readonly now: Date) {}

  atEnd(): boolean {
    return this.i >= this.tokens.length;
  }

  peek(): Token | undefined {
    return this.tokens[this.i];
  }

  private isOperator(t: Token | undefined, op: string): boolean {
    return t !== undefined && t.type === 'word' && t.text === op;
  }

  or(): QueryNode {
    const children = [this.and()];
    while (this.isOperator(this.peek(), 'OR')) {
      const op = this.tokens[this.i++] as Token;
      if (this.atEnd() || this.peek()?.type === 'rparen') throw queryError(this.query, op.pos, '"OR" needs something after it');
      children.push(this.and());
    }
    return children.length === 1 ? (children[0] as QueryNode) : {kind: 'or', children};
  }

  private and(): QueryNode {
    const children = [this.unary()];
    for (;;) {
      const t = this.peek();
      if (t === undefined || t.type === 'rparen' || this.isOperator(t, 'OR')) break;
      if (this.isOperator(t, 'AND')) {
        this.i++;
        if (this.atEnd() || this.peek()?.type === 'rparen' || this.isOperator(this.peek(), 'OR')) throw queryError(this.query, t.pos, '"AND" needs something after it');
      }
      children.push(this.unary());
    }
    return children.length === 1 ? (children[0] as QueryNode) : {kind: 'and', children};
  }

  private unary(): QueryNode {
    const t = this.peek();
    if (t === undefined) throw queryError(this.query, this.query.length, 'the query ends too early');
    if (this.isOperator(t, 'NOT') || (t.type === 'word' && t.text === '-')) {
      this.i++;
      if (this.atEnd()) throw queryError(this.query, t.pos, `"${t.text}" needs something after it`);
      this.enter(t);
      const child = this.unary();
      this.depth--;
      return {kind: 'not', child};
    }
    if (t.type === 'word' && t.text.startsWith('-') && t.text.length > 1) {
      this.i++;
      this.count(t.pos);
      return {kind: 'not', child: this.text('any', t.text.slice(1), false, t.pos + 1)};
    }
    return this.primary();
  }

  private primary(): QueryNode {
    const t = this.tokens[this.i++] as Token;
    if (t.type === 'phrase' || t.type === 'word' || t.type === 'field') this.count(t.pos);
    switch (t.type) {
      case 'lparen': {
        if (this.peek()?.type === 'rparen') throw queryError(this.query, t.pos, 'empty parentheses');
        this.enter(t);
        const inner = this.or();
        this.depth--;
        if (this.peek()?.type !== 'rparen') throw queryError(this.query, t.pos, 'a "(" without its ")"');
        this.i++;
        return inner;
      }
      case 'rparen':
        throw queryError(this.query, t.pos, 'a ")" without its "("');
      case 'phrase':
        return this.text('any', t.text, true, t.pos);
      case 'word':
        if (t.text === 'AND' || t.text === 'OR') throw queryError(this.query, t.pos, `"${t.text}" needs something before it`);
        return this.text('any', t.text, false, t.pos);
      case 'field':
        return this.field(t);
    }
  }

  /** One level deeper (a "(" or a NOT at `t`): refused past {@link MAX_QUERY_DEPTH}, before recursing. */
  private enter(t: Token): void {
    if (++this.depth > MAX_QUERY_DEPTH) {
      throw queryError(this.query, t.pos, `the query nests more than ${MAX_QUERY_DEPTH} levels deep (parentheses and NOT)`, 'Write it with fewer levels: AND and OR need no parentheses around each term.');
    }
  }

  /** One more term at `pos`: refused past {@link MAX_QUERY_TERMS}. */
  private count(pos: number): void {
    if (++this.terms > MAX_QUERY_TERMS) {
      throw queryError(this.query, pos, `the query has more than ${MAX_QUERY_TERMS} terms`, 'Split it into several searches, or use fewer, broader terms (a folder: or user: instead of many words).');
    }
  }

  /** A text term; the index keeps only letters and digits, so a term without any could match nothing. */
  private text(field: TextField, value: string, phrase: boolean, pos: number): QueryNode {
    if (!/[\p{L}\p{N}]/u.test(value)) throw queryError(this.query, pos, `"${value}" has no letter or digit to search for`, 'Words are matched on their letters and digits; punctuation alone is not indexed.');
    return {kind: 'text', field, value, phrase};
  }

  private field(t: Token): QueryNode {
    const field = t.field as string;
    const value = t.text;
    const at = t.valuePos ?? t.pos;
    if (value === '') throw queryError(this.query, at, `"${field}:" needs a value`);
    const text = TEXT_FIELDS[field];
    if (text !== undefined) return this.text(text, value, t.valuePhrase === true, at);
    switch (field) {
      case 'has':
        if (value.toLowerCase() !== 'attachment') throw queryError(this.query, at, `has:${value} is not known`, 'Write has:attachment.');
        return {kind: 'has', what: 'attachment'};
      case 'before':
      case 'after':
      case 'on': {
        const range = parseDateValue(value, this.now);
        if (range === undefined) throw queryError(this.query, at, `"${value}" is not a date`, 'Write 2026, 2026-11, 2026-11-22, or a duration back from now such as 7d.');
        return {kind: 'date', op: field, ...range};
      }
      case 'larger':
      case 'smaller': {
        const bytes = parseSize(value);
        if (bytes === undefined) throw queryError(this.query, at, `"${value}" is not a size`, 'Write bytes or a size with a unit: 500, 10k, 2M, 1.5MB.');
        return {kind: 'size', op: field, bytes};
      }
      case 'user':
        return {kind: 'user', login: value};
      case 'folder':
        return {kind: 'folder', name: value};
      case 'flag':
        return {kind: 'flag', flag: SYSTEM_FLAGS[value.toLowerCase().replace(/^\\/, '')] ?? value};
      case 'queueid':
        if (!/^[A-Za-z0-9-]+$/.test(value)) throw queryError(this.query, at, `"${value}" is not a queue ID`, 'Write the queue ID as the MTA logged it: 4D8F21C3B2, 4Fh0Zb1XyTz9vWd, 1tJabc-000123-AB.');
        return {kind: 'queueid', queueId: value};
      case 'deleted': {
        const v = value.toLowerCase();
        if (v !== 'yes' && v !== 'no') throw queryError(this.query, at, `deleted:${value} must be yes or no`);
        return {kind: 'deleted', value: v === 'yes'};
      }
    }
    throw queryError(this.query, t.pos, `unknown field "${field}:"`);
  }
}

/**
 * A date value as a half-open range [from, to) in ms: a year, a month, a day, a time (UTC unless a zone is
 * given; config/dates.ts, the one date parser), or a duration ago (that instant).
 */
export function parseDateValue(value: string, now: Date): {from: number; to: number} | undefined {
  const ago = parseDuration(value);
  if (ago === undefined) return parseDateRange(value);
  const t = now.getTime() - ago;
  return {from: t, to: t};
}

/** `500`, `10k`, `2M`, `1.5MB`, `3G` -> bytes (k = 1024). */
export function parseSize(value: string): number | undefined {
  const m = /^(\d+(?:\.\d+)?)\s*([kmg]?)i?b?$/i.exec(value);
  if (m === null) return undefined;
  const unit = (m[2] as string).toLowerCase();
  const factor = unit === 'k' ? 1024 : unit === 'm' ? 1024 ** 2 : unit === 'g' ? 1024 ** 3 : 1;
  return Math.round(Number(m[1]) * factor);
}

function queryError(query: string, pos: number, problem: string, hint?: string): BonnieError {
  return new BonnieError('QueryInvalid', `${problem} at position ${pos + 1}:\n  ${query}\n  ${' '.repeat(pos)}^`, {
    exit: EXIT.usage,
    hint: hint ?? 'See "man bonnie-search" for the query language: words, "phrases", field:value, AND, OR, NOT, parentheses.',
  });
}
