/** `bonnie search` for a person: one line per result, newest first, in columns aligned on a terminal. */
import type {SearchOutcome} from './search.js';
import type {UpdateSummary} from './update.js';

/** Longest subject and sender shown in the table, in terminal columns (the JSON has them whole). */
const SUBJECT_WIDTH = 60;
const FROM_WIDTH = 32;

/** Characters a terminal draws two columns wide: CJK, Hangul, fullwidth forms. */
const WIDE = /[\u1100-\u115f\u2e80-\u303e\u3041-\u33ff\u3400-\u4dbf\u4e00-\u9fff\ua000-\ua4cf\uac00-\ud7a3\uf900-\ufaff\ufe30-\ufe4f\uff00-\uff60\uffe0-\uffe6]/;

export function renderSearch(outcome: SearchOutcome): string {
  if (outcome.query === null) return renderUpdate(outcome.update as UpdateSummary);
  if (outcome.hits.length === 0) return 'No message matches.';
  const rows = outcome.hits.map((h) => [
    `${h.date.slice(0, 10)} ${h.date.slice(11, 16)}`,
    cut(h.from || '-', FROM_WIDTH),
    cut(h.subject || '(no subject)', SUBJECT_WIDTH),
    h.deleted ? `${h.folder} (${h.removal ?? 'deleted'})` : h.folder,
    h.owner ?? '-',
    h.ref,
  ]);
  const lines = [table(['DATE (UTC)', 'FROM', 'SUBJECT', 'FOLDER', 'OWNER', 'REF'], rows)];
  if (outcome.more) lines.push(`(the newest ${outcome.hits.length} shown: more messages match; raise --limit or narrow the query)`);
  return lines.join('\n');
}

/** What an update did, in one line; empty when it did nothing worth saying. */
export function renderUpdate(u: UpdateSummary): string {
  const seconds = (u.elapsedMs / 1000).toFixed(1);
  if (u.rebuilt) return `Rebuilt the search index: ${u.docs} message(s) in ${u.locations} place(s)${problems(u)} in ${seconds} s.`;
  if (u.locations === 0 && u.refreshed === 0) return '';
  return `Indexed ${u.docs} new message(s) in ${u.locations} new place(s)${problems(u)}, refreshed ${u.refreshed} (${seconds} s).`;
}

function problems(u: UpdateSummary): string {
  return u.problems > 0 ? ` (${u.problems} without their text: see "problem" in --json)` : '';
}

/** Columns separated by two spaces, each but the last padded to its widest cell. */
function table(headers: readonly string[], rows: ReadonlyArray<readonly string[]>): string {
  const widths = headers.map((h, column) => Math.max(width(h), ...rows.map((row) => width(row[column] ?? ''))));
  const line = (cells: readonly string[]) =>
    cells
      .map((cell, column) => (column === cells.length - 1 ? cell : cell + ' '.repeat((widths[column] ?? 0) - width(cell))))
      .join('  ')
      .trimEnd();
  return [line(headers), ...rows.map(line)].join('\n');
}

/** Terminal columns of `text`. */
function width(text: string): number {
  let n = 0;
  for (const c of text) n += WIDE.test(c) ? 2 : 1;
  return n;
}

/** `text` on one line, cut to `max` columns with an ellipsis. */
function cut(text: string, max: number): string {
  const line = text.replace(/\s+/g, ' ');
  if (width(line) <= max) return line;
  let out = '';
  for (const c of line) {
    if (width(out + c) > max - 1) break;
    out += c;
  }
  return `${out}…`;
}
