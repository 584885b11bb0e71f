/**
 * Moving the capture journal into the queue. Owns the `capture_journal` table.
 *
 * Contracts:
 * - Each record is queued exactly once: the file's offset is advanced in the transaction that queues its
 *   records, and only if it still holds the value read (two drainers never queue the same record twice).
 * - A record is a datagram as Cyrus sent it: it becomes a delivery here (decode, judge), so the reading thread
 *   does no parsing. A datagram that is not a valid event is quarantined whole, byte for byte.
 * - A file is finished when its writer is gone (not this process' active file, and its pid is not alive or
 *   it wrote a later file). Bytes after its last whole record (a write cut short by a full disk or a crash)
 *   are quarantined; then the file is removed.
 */
import {removeIfPresent} from '../../base/system/files.js';
import {isProcessAlive} from '../../base/system/processes.js';
import type {Db} from '../../base/catalog/catalog.js';
import {deliveryFromDatagram} from '../queue/datagram-delivery.js';
import {Ingester, type Delivery, type IngestSummary} from '../queue/ingest.js';
import {listJournals, readJournal, readTail, type JournalFile} from './journal.js';

/** Records queued per transaction. */
export const DRAIN_BATCH_RECORDS = 2000;

/** What one drain did. */
export interface JournalDrainSummary extends Omit<IngestSummary, 'unknownTypes'> {
  /** Journal records moved into the queue (queued, duplicate or quarantined). */
  records: number;
  /** Finished journal files removed. */
  removed: number;
  /** Torn tails of finished files that were quarantined. */
  tornTails: number;
  unknownTypes: string[];
  /** A sample rejection reason, for the log. */
  rejected: string | undefined;
  /** When the active file was read to its end: its size (all of it is in the catalog). */
  activeDrainedTo: number | undefined;
}

export interface DrainOptions {
  /**
   * The file this process is writing, read AFTER the folder was listed (so that a file made since is not in
   * the listing): every other file of this process is finished. Undefined: this process writes none.
   */
  active?: (() => string | undefined) | undefined;
  /** This process' own writer has stopped for good (the daemon is stopping): its files are finished too. */
  ownWriterStopped?: boolean;
  /** Stop after about this many records (the caller drains again). */
  maxRecords?: number;
  now?: number;
}

class OffsetMoved extends Error {}

/** The `capture_journal` repository and the drain. Prepare once per connection. */
export class JournalDrain {
  private readonly ingester: Ingester;
  private readonly selectFile;
  private readonly insertFile;
  private readonly advance;
  private readonly markFinished;
  private readonly forget;

  constructor(db: Db) {
    this.ingester = new Ingester(db);
    this.selectFile = db.prepare<[string], {drained_to: number; finished: number}>('SELECT drained_to, finished FROM capture_journal WHERE file = ?');
    this.insertFile = db.prepare<[string, number]>('INSERT INTO capture_journal (file, drained_to, updated_at) VALUES (?, 0, ?) ON CONFLICT DO NOTHING');
    this.advance = db.prepare<{file: string; from: number; to: number; records: number; now: number}>(
      'UPDATE capture_journal SET drained_to = @to, records = records + @records, updated_at = @now WHERE file = @file AND drained_to = @from AND finished = 0',
    );
    this.markFinished = db.prepare<{file: string; at: number; now: number}>(
      'UPDATE capture_journal SET finished = 1, updated_at = @now WHERE file = @file AND drained_to = @at AND finished = 0',
    );
    this.forget = db.prepare<[string]>('DELETE FROM capture_journal WHERE file = ? AND finished = 1');
  }

  /** Drains every journal file of `dir`, oldest first. */
  drain(dir: string, options: DrainOptions = {}): JournalDrainSummary {
    const summary: JournalDrainSummary = {records: 0, queued: 0, duplicates: 0, quarantined: 0, removed: 0, tornTails: 0, unknownTypes: [], rejected: undefined, activeDrainedTo: undefined};
    const max = options.maxRecords ?? Number.MAX_SAFE_INTEGER;
    const files = listJournals(dir);
    const active = options.active?.();
    for (const file of files) {
      if (summary.records >= max) break;
      this.drainFile(file, files, active, options, max, summary);
    }
    return summary;
  }

  /** Records journaled but not yet queued, by file size: cheap, for status and stop. */
  pendingBytes(dir: string): number {
    let pending = 0;
    for (const file of listJournals(dir)) {
      const row = this.selectFile.get(file.name);
      pending += Math.max(0, file.size - Math.max(row?.drained_to ?? 0, 8));
    }
    return pending;
  }

  private drainFile(file: JournalFile, all: readonly JournalFile[], active: string | undefined, options: DrainOptions, max: number, summary: JournalDrainSummary): void {
    const now = options.now ?? Date.now();
    this.insertFile.run(file.name, now);
    for (;;) {
      const row = this.selectFile.get(file.name) as {drained_to: number; finished: number};
      if (row.finished === 1) {
        removeIfPresent(file.path);
        this.forget.run(file.name);
        summary.removed++;
        return;
      }
      const read = readJournal(file.path, row.drained_to, Math.min(DRAIN_BATCH_RECORDS, max - summary.records));
      if (read.records.length > 0) {
        const deliveries = read.records.map((record) => deliveryFromDatagram(record.bytes, record.receivedAt));
        try {
          const result = this.ingester.ingest(deliveries, () => {
            if (this.advance.run({file: file.name, from: row.drained_to, to: read.end, records: read.records.length, now}).changes !== 1) throw new OffsetMoved();
          });
          summary.records += read.records.length;
          summary.queued += result.queued;
          summary.duplicates += result.duplicates;
          summary.quarantined += result.quarantined;
          summary.unknownTypes.push(...result.unknownTypes);
          summary.rejected ??= deliveries.find((delivery) => delivery.rejected !== undefined)?.rejected;
        } catch (error) {
          if (!(error instanceof OffsetMoved)) throw error;
        }
        if (summary.records >= max) return;
        continue;
      }
      if (file.path === active && !read.incomplete) summary.activeDrainedTo = read.end;
      if (!isFinished(file, all, active, options)) return;
      // The writer is gone and every whole record is queued: what is left cannot become one.
      const tail = readTail(file.path, Math.max(read.end, 0));
      const at = row.drained_to;
      this.ingester.ingest(tail.length === 0 ? [] : [tornTail(tail, read.notAJournal)], () => {
        if (this.markFinished.run({file: file.name, at, now}).changes !== 1) throw new OffsetMoved();
      });
      if (tail.length > 0) {
        summary.tornTails++;
        summary.quarantined++;
      }
    }
  }
}

function tornTail(bytes: Buffer, notAJournal: boolean): Delivery {
  const reason = notAJournal
    ? 'a file in the capture journal folder that is not a bonnie journal'
    : `the last ${bytes.length} byte(s) of a capture journal file are not a whole record (its writer stopped in the middle of a write)`;
  return {raw: bytes, receivedAt: Date.now(), source: 'notify_socket', rejected: reason};
}

/** Whether nobody will write `file` again. */
function isFinished(file: JournalFile, all: readonly JournalFile[], active: string | undefined, options: DrainOptions): boolean {
  if (file.path === active) return false;
  // This process writes only the file it says is active (or none, once its writer stopped).
  if (file.pid === process.pid && (options.ownWriterStopped === true || options.active !== undefined)) return true;
  if (all.some((other) => other.pid === file.pid && other.name > file.name)) return true;
  return file.pid !== process.pid && !isProcessAlive(file.pid);
}
