/**
 * `bonnie history --object UID --diff A B`: what changed between two revisions of an object. Each revision's
 * XML (xCal, xCard, Kolab XML) becomes property lines (object-lines.ts), sorted by property (stable, so
 * that two clients writing properties in different orders do not show as changes, and a property's old and
 * new value stand together); the two lists are diffed line by line. When either revision has no XML that can
 * be read, the decoded text parts are diffed instead.
 */
import type {Catalog} from '../../base/catalog/catalog.js';
import {ArchiveReader} from '../../store/archive/reader.js';
import {diffLines, type DiffLine} from './line-diff.js';
import type {KolabMessage} from './kolab-message.js';
import {loadObject, revisionOf, type ObjectQuery, type RevisionDetail} from './object-history.js';

/** What `--diff` shows (`--json`: with `kind: "object-diff"`). */
export interface ObjectDiff {
  uid: string;
  type: string;
  from: RevisionDetail;
  to: RevisionDetail;
  /** `properties`: the objects' XML as property lines; `text`: their text parts, line by line. */
  format: 'properties' | 'text';
  /** Every line of both, in order: ` ` in both, `-` only in `from`, `+` only in `to`. */
  lines: DiffLine[];
  removed: number;
  added: number;
  unchanged: number;
}

/** The diff between revisions `fromRev` and `toRev` of the object. Throws RevisionUnknown (usage) and what loadObject throws. */
export async function objectDiff(catalog: Catalog, archiveDir: string, query: ObjectQuery, fromRev: number, toRev: number): Promise<ObjectDiff> {
  const reader = new ArchiveReader(catalog, archiveDir);
  try {
    const {history, messages} = await loadObject(catalog, reader, query);
    const from = revisionOf(history, fromRev);
    const to = revisionOf(history, toRev);
    const {format, lines} = diffMessages(messages.get(from.blob) as KolabMessage, messages.get(to.blob) as KolabMessage);
    const count = (op: DiffLine['op']) => lines.filter((l) => l.op === op).length;
    return {uid: history.object.uid, type: history.object.type, from, to, format, lines, removed: count('-'), added: count('+'), unchanged: count(' ')};
  } finally {
    reader.close();
  }
}

/** The diff of two decoded Kolab messages: of their property lines, else of their text. */
export function diffMessages(a: KolabMessage, b: KolabMessage): {format: 'properties' | 'text'; lines: DiffLine[]} {
  if (a.lines !== null && b.lines !== null) return {format: 'properties', lines: pairedByProperty(diffLines(byProperty(a.lines), byProperty(b.lines)))};
  return {format: 'text', lines: diffLines(textLines(a.text), textLines(b.text))};
}

/** What a property line is sorted by: what precedes `: ` (the property, its parameters). */
function propertyKey(line: string): string {
  const colon = line.indexOf(': ');
  return colon < 0 ? line : line.slice(0, colon);
}

/** Lines sorted by property, keeping their order within one. */
function byProperty(lines: readonly string[]): string[] {
  const key = propertyKey;
  return lines
    .map((line, index) => ({line, index, key: key(line)}))
    .sort((x, y) => (x.key < y.key ? -1 : x.key > y.key ? 1 : x.index - y.index))
    .map((x) => x.line);
}

/**
 * Within each run of changed lines, a property's removed value next to its added one (`- dtstart`,
 * `+ dtstart`, `- summary`, `+ summary`) rather than every removal before every addition.
 */
function pairedByProperty(lines: readonly DiffLine[]): DiffLine[] {
  const out: DiffLine[] = [];
  let run: DiffLine[] = [];
  const flush = () => {
    const name = (l: DiffLine) => propertyKey(l.text).split(';')[0] as string;
    out.push(...run.map((l, i) => ({l, i})).sort((x, y) => (name(x.l) < name(y.l) ? -1 : name(x.l) > name(y.l) ? 1 : x.i - y.i)).map((x) => x.l));
    run = [];
  };
  for (const line of lines) {
    if (line.op === ' ') {
      flush();
      out.push(line);
    } else run.push(line);
  }
  flush();
  return out;
}

function textLines(text: string): string[] {
  const lines = text.split(/\r?\n/);
  if (lines.at(-1) === '') lines.pop();
  return lines;
}
