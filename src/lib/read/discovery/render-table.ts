/** Plain-text tables for history and audit: aligned columns, no colours, nothing but spaces. */
import type {TimelineEntry} from './timeline.js';

/** Rows under a header line, every column but the last padded to its widest cell; `indent` before each line. */
export function renderTable(headers: readonly string[], rows: ReadonlyArray<readonly string[]>, indent = '  '): string {
  const widths = headers.map((header, column) => Math.max(header.length, ...rows.map((row) => (row[column] ?? '').length)));
  const line = (cells: readonly string[]) =>
    indent +
    cells
      .map((cell, column) => (column === cells.length - 1 ? cell : cell.padEnd(widths[column] ?? 0)))
      .join('  ')
      .trimEnd();
  return [line(headers), ...rows.map(line)].join('\n');
}

/** `label  value` lines, labels padded to the longest. */
export function renderPairs(pairs: ReadonlyArray<readonly [string, string]>, indent = '  '): string {
  const width = Math.max(...pairs.map(([label]) => label.length));
  return pairs.map(([label, value]) => `${indent}${label.padEnd(width)}  ${value}`).join('\n');
}

/** Columns a timeline table may show; TIME, ACTION, PLACE and CHANGE always are. */
export interface TimelineColumns<T extends TimelineEntry = TimelineEntry> {
  actor?: boolean;
  session?: boolean;
  message?: boolean;
  /** Extra text after the action (e.g. `(out)` for copies out of a folder). */
  actionSuffix?: (entry: T) => string;
}

/** A timeline as a table, newest last; `(none)` when empty. */
export function renderTimeline<T extends TimelineEntry>(entries: readonly T[], columns: TimelineColumns<T>, indent = '  '): string {
  if (entries.length === 0) return `${indent}(none)`;
  const headers = ['TIME', ...(columns.actor ? ['ACTOR'] : []), 'ACTION', 'PLACE', ...(columns.message ? ['MESSAGE'] : []), ...(columns.session ? ['SESSION'] : []), 'CHANGE'];
  const rows = entries.map((e) => [
    e.at,
    ...(columns.actor ? [e.actor ?? '-'] : []),
    `${e.action}${columns.actionSuffix?.(e) ?? ''}`,
    e.placementRef ?? e.folder ?? '-',
    ...(columns.message ? [e.messageRef ?? '-'] : []),
    ...(columns.session ? [e.sessionId ?? '-'] : []),
    e.summary,
  ]);
  return renderTable(headers, rows, indent);
}

/** `3 older entries not shown (--limit)`, or nothing. */
export function omittedNote(count: number, what: string, indent = '  '): string[] {
  return count > 0 ? [`${indent}(${count} older ${what} not shown: raise --limit)`] : [];
}
