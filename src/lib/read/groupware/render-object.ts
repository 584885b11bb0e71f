/** Human rendering of `bonnie history --object` and `--diff`; `--json` prints the objects themselves. */
import {omittedNote, renderPairs, renderTable} from '../discovery/render-table.js';
import {withContext} from './line-diff.js';
import type {ObjectDiff} from './object-diff.js';
import type {ObjectHistory, RevisionDetail} from './object-history.js';
import type {ObjectChange} from './object-timeline.js';

/** Kept lines shown around each change in a text diff. */
const TEXT_CONTEXT = 2;

export function renderObjectHistory(h: ObjectHistory): string {
  const o = h.object;
  const facts: Array<[string, string]> = [
    ['Title', o.title ?? '-'],
    ['State', o.state === 'present' ? `present in ${o.folder ?? o.mailboxId}` : `deleted ${o.deletedAt ?? ''} by ${o.deletedBy ?? 'unknown'} (last in ${o.folder ?? o.mailboxId})`],
    ['Created', `${o.createdAt} by ${o.createdBy ?? 'unknown'}`],
    ['Last modified', `${o.lastModifiedAt} by ${o.lastModifiedBy ?? 'unknown'}`],
    ['Revisions', String(o.revisions)],
  ];
  const revisions = h.revisions.map((r) => [String(r.rev), when(r.at, r.approximate), r.actor ?? '-', r.action, r.placementRef, r.title ?? '-', `${r.size}`, r.blob.slice(0, 12)]);
  return [
    `Object ${o.uid} (${o.type})`,
    renderPairs(facts),
    ...(h.indexBehind ? ['', 'Note: the search index has not read every archived message yet; revisions among them are not shown. Any "bonnie search" brings it up to date.'] : []),
    '',
    'Revisions',
    renderTable(['REV', 'TIME', 'ACTOR', 'ACTION', 'PLACE', 'TITLE', 'BYTES', 'BLOB'], revisions),
    '',
    'Changelog',
    ...omittedNote(h.omitted, 'entries'),
    renderChangelog(h.changelog),
  ].join('\n');
}

export function renderObjectDiff(d: ObjectDiff): string {
  const head = [
    `Object ${d.uid} (${d.type}): revision ${d.from.rev} -> revision ${d.to.rev}`,
    `--- revision ${d.from.rev}: ${describe(d.from)}`,
    `+++ revision ${d.to.rev}: ${describe(d.to)}`,
  ];
  if (d.removed + d.added === 0) return [...head, d.from.blob === d.to.blob ? '(the same revision)' : `(no ${d.format === 'properties' ? 'property' : 'text'} differs)`].join('\n');
  if (d.format === 'properties') {
    return [...head, ...d.lines.filter((l) => l.op !== ' ').map((l) => `${l.op} ${l.text}`), `(${d.unchanged} ${d.unchanged === 1 ? 'property' : 'properties'} unchanged)`].join('\n');
  }
  const shown = withContext(d.lines, TEXT_CONTEXT).map((l) => (l === null ? '...' : `${l.op} ${l.text}`));
  return [...head, '(the objects have no readable XML: their text parts are compared)', ...shown].join('\n');
}

function renderChangelog(entries: readonly ObjectChange[]): string {
  if (entries.length === 0) return '  (none)';
  const rows = entries.map((e) => [when(e.at, e.approximate), e.actor ?? '-', e.action, String(e.rev), e.placementRef, e.from === null ? '' : `from ${e.from}`, e.sessionId ?? '-']);
  return renderTable(['TIME', 'ACTOR', 'ACTION', 'REV', 'PLACE', 'DETAIL', 'SESSION'], rows);
}

function describe(r: RevisionDetail): string {
  return `${r.action} ${r.at} by ${r.actor ?? 'unknown'} in ${r.folder ?? r.mailboxId}`;
}

/** A time; `~` before one that comes from snapshots rather than events. */
function when(at: string, approximate: boolean): string {
  return approximate ? `~${at}` : at;
}
