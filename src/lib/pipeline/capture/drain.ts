/**
 * `bonnie dealer --drain-spill` and `--recover-log`: moving into the queue what capture kept outside the
 * catalog. Not part of the per-event dealer's bundle: Cyrus never waits on this.
 *
 * - The spill folder (per-event dealer, catalog unavailable) and the daemon's journal (`<spill>/journal`,
 *   normally drained by the daemon itself; after it died for good, by this): each record exactly once.
 * - The log: when even the spill failed (no disk at all), the dealer wrote the event's bytes in base64 into a
 *   "LOST unless recovered from this line" log line. `--recover-log` queues those lines, each exactly once
 *   (its SHA-256 is recorded as drained, as a spill file's name is).
 */
import {createHash} from 'node:crypto';
import {readFileSync} from 'node:fs';
import {join} from 'node:path';
import {openCatalog} from '../../base/catalog/catalog.js';
import {BonnieError, EXIT, errorMessage} from '../../base/errors.js';
import type {Settings} from '../../base/config/settings.js';
import {Ingester, type DeliverySource} from '../queue/ingest.js';
import {JournalDrain} from './journal-drain.js';
import {ensureReserve} from './reserve.js';
import {drainSpill, type DrainSummary} from './spill.js';
import {claimSpill} from './spill-claim.js';

export interface CaptureDrainSummary extends DrainSummary {
  spill: string;
  /** Journal records moved into the queue. */
  journalRecords: number;
  /** Finished journal files removed. */
  journalFilesRemoved: number;
  /** Whether the capture reserve is in place after the drain. */
  reserve: boolean;
}

/** Drains the spill folder and the journal of a stopped daemon; then makes the reserve again if there is room. */
export function drainCaptured(settings: Settings): CaptureDrainSummary {
  const catalog = openCatalog(settings.catalog);
  try {
    claimSpill(settings.spill, catalog.path);
    const spilled = drainSpill(catalog.db, new Ingester(catalog.db), settings.spill);
    const journal = new JournalDrain(catalog.db).drain(join(settings.spill, 'journal'));
    return {
      spill: settings.spill,
      ...spilled,
      queued: spilled.queued + journal.queued,
      duplicates: spilled.duplicates + journal.duplicates,
      quarantined: spilled.quarantined + journal.quarantined,
      journalRecords: journal.records,
      journalFilesRemoved: journal.removed,
      reserve: ensureReserve(settings.spill),
    };
  } finally {
    catalog.close();
  }
}

export interface LogRecoverySummary {
  /** Lines holding an event's bytes. */
  lines: number;
  queued: number;
  duplicates: number;
  quarantined: number;
  /** Lines an earlier recovery already queued. */
  alreadyRecovered: number;
}

const LOST_LINE = /LOST unless recovered from this line: .*?(?:source ([a-z_]+); )?received (\S+); base64 payload: ([A-Za-z0-9+/=]+)\s*$/;
const SOURCES: readonly DeliverySource[] = ['notify_external', 'notify_socket', 'stdin'];

/** Queues the events kept only in a dealer log's "LOST unless recovered" lines, each exactly once. */
export function recoverLog(settings: Settings, logFile: string): LogRecoverySummary {
  let text: string;
  try {
    text = readFileSync(logFile, 'utf8');
  } catch (error) {
    throw new BonnieError('LogUnreadable', `cannot read ${logFile}: ${errorMessage(error)}`, {exit: EXIT.usage, hint: 'Give the dealer\'s log file (log_file), or a copy of the syslog lines of bonnie-dealer.'});
  }
  const catalog = openCatalog(settings.catalog);
  try {
    const ingester = new Ingester(catalog.db);
    const summary: LogRecoverySummary = {lines: 0, queued: 0, duplicates: 0, quarantined: 0, alreadyRecovered: 0};
    for (const line of text.split('\n')) {
      const match = LOST_LINE.exec(line);
      if (match === null) continue;
      summary.lines++;
      const raw = Buffer.from(match[3] as string, 'base64');
      const receivedAt = Date.parse(match[2] as string);
      const source = SOURCES.find((s) => s === match[1]) ?? 'notify_external';
      const key = `log:${createHash('sha256').update(line).digest('hex')}`;
      try {
        const result = ingester.ingest([{raw, receivedAt: Number.isFinite(receivedAt) ? receivedAt : Date.now(), source}], () => {
          if (!ingester.claimSpill(key, Date.now())) throw new AlreadyRecovered();
        });
        summary.queued += result.queued;
        summary.duplicates += result.duplicates;
        summary.quarantined += result.quarantined;
      } catch (error) {
        if (!(error instanceof AlreadyRecovered)) throw error;
        summary.alreadyRecovered++;
      }
    }
    return summary;
  } finally {
    catalog.close();
  }
}

class AlreadyRecovered extends Error {}
