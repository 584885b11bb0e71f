/**
 * The catalog's other evidence in the archive's segments (archive format 2, catalog migration 22; issue 19):
 * the policy log, prune plans, tombstones, DLP alerts and their acknowledgements, the quarantine and the
 * operators' actions on the queue. Each is
 * a table of immutable rows numbered in the order written, read from its owner as JSON lines; a member
 * `<kind>/<first id>-<last id>.jsonl.zst` carries a run of them, and the highest `last_id` of a kind in
 * sound segments (segment_member) is what the archive carries: the next writer run writes the rows after it.
 */
import type {Db} from '../../base/catalog/catalog.js';
import type {ArchiveWriter} from '../../store/archive/store.js';
import {ArchiveIndex, type CarriedKind} from '../../store/archive/index/repository.js';
import {alertAcksAfter, alertsAfter} from '../dlp/alert-carry.js';
import {quarantineAfter, queueActionsAfter} from '../queue/quarantine-carry.js';
import {policyLogAfter, prunePlansAfter, tombstonesAfter} from '../retention/carry.js';

/** Rows of one kind after an id, at most `limit`, each with its id and its line. */
type RowsAfter = (db: Db, after: number, limit: number) => Array<{id: number; line: unknown}>;

/**
 * What is carried, in the order written (and restored): a plan before the approvals in the log that
 * name it, an alert before its acknowledgements, a delivery before the actions on it.
 */
export const CARRIED_TABLES: ReadonlyArray<{kind: CarriedKind; after: RowsAfter}> = [
  {kind: 'prune-plans', after: prunePlansAfter},
  {kind: 'policy', after: policyLogAfter},
  {kind: 'tombstones', after: tombstonesAfter},
  {kind: 'alerts', after: alertsAfter},
  {kind: 'alert-acks', after: alertAcksAfter},
  {kind: 'quarantine', after: quarantineAfter},
  {kind: 'queue-actions', after: queueActionsAfter},
];

/**
 * Writes into the writer's segments the rows of each carried table that the segments do not carry yet,
 * in members of at most `linesPerMember` lines or about `bytesPerMember` bytes (a single longer line gets
 * a member of its own). Returns the rows and members written.
 */
export function writeCarriedTables(db: Db, writer: ArchiveWriter, linesPerMember: number, bytesPerMember: number): {rows: number; members: number} {
  const index = new ArchiveIndex(db);
  const written = {rows: 0, members: 0};
  for (const table of CARRIED_TABLES) {
    for (let after = index.memberHighWater(table.kind); ; ) {
      const rows = table.after(db, after, linesPerMember);
      if (rows.length === 0) break;
      const lines: string[] = [];
      let bytes = 0;
      let last = after;
      for (const r of rows) {
        const text = JSON.stringify(r.line);
        if (lines.length > 0 && bytes + text.length > bytesPerMember) break;
        lines.push(text);
        bytes += text.length + 1;
        last = r.id;
      }
      writer.putMember(table.kind, (rows[0] as {id: number}).id, last, Buffer.from(`${lines.join('\n')}\n`));
      written.rows += lines.length;
      written.members++;
      after = last;
    }
  }
  return written;
}
