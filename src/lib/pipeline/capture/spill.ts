/**
 * The spill folder: where a dealer puts what it received when the catalog cannot take it (locked past
 * the bound, read-only, missing, disk full), so that no accepted notification is lost.
 *
 * Contracts:
 * - One file per delivery, holding the delivery's bytes unchanged. Its name carries what the catalog
 *   would have recorded: `<received ms>-<pid>-<random>.<source>.spill`.
 * - Written as a hidden temporary file, fsynced, renamed into place, then the folder is fsynced: a
 *   visible `.spill` file is always complete.
 * - Drained exactly once: the file's name is recorded in `spill_drained` in the same transaction that
 *   queues its content; the file is removed only after that commit. A crash between the two leaves a
 *   file that the next drain recognises and removes without queueing it again.
 * - A temporary file older than {@link STALE_TEMP_MS} belongs to a writer that died mid-write: it is
 *   drained too (whatever it holds is queued or quarantined), never thrown away.
 */
import {randomBytes} from 'node:crypto';
import {closeSync, fsyncSync, mkdirSync, openSync, readFileSync, readdirSync, renameSync, statSync, writeSync} from 'node:fs';
import {dirname, join} from 'node:path';
import type {Delivery, DeliverySource, Ingester, IngestSummary} from '../queue/ingest.js';
import {fsyncFolder, removeIfPresent} from '../../base/system/files.js';
import {adoptCreatedFolders, adoptOwnership, isPermissionDenied, permissionDenied} from '../../base/system/ownership.js';
import {isNoSpace, releaseReserve} from './reserve.js';
import type {Db} from '../../base/catalog/catalog.js';

const SOURCES: readonly DeliverySource[] = ['notify_external', 'notify_socket', 'stdin'];
const NAME = /^\.?(\d{13})-(\d+)-([0-9a-f]{8})\.([a-z_]+)\.spill(\.tmp)?$/;
/** A temporary spill file this old has no living writer. */
export const STALE_TEMP_MS = 10 * 60 * 1000;

/**
 * Writes one delivery to the spill folder durably and returns the file's path. A full disk releases the
 * capture reserve and tries once more; a failed write leaves no file behind (an empty spill file would be
 * quarantined later as "empty input"). Run as root, the file gets the spill folder's owner (and a folder
 * made here its parent's), so that the catalog's owner can drain it; EACCES or EPERM throws
 * `PermissionDenied` naming the folder's owner and the repair.
 */
export function writeSpill(dir: string, delivery: Delivery): string {
  try {
    try {
      return writeSpillOnce(dir, delivery);
    } catch (error) {
      if (!isNoSpace(error) || !releaseReserve(dir)) throw error;
      return writeSpillOnce(dir, delivery);
    }
  } catch (error) {
    throw isPermissionDenied(error) ? permissionDenied('write a spill file in', dir, error) : error;
  }
}

function writeSpillOnce(dir: string, delivery: Delivery): string {
  adoptCreatedFolders(mkdirSync(dir, {recursive: true, mode: 0o750}), dir, dirname(dir));
  const name = `${String(delivery.receivedAt).padStart(13, '0')}-${process.pid}-${randomBytes(4).toString('hex')}.${delivery.source}.spill`;
  const temp = join(dir, `.${name}.tmp`);
  const final = join(dir, name);
  const fd = openSync(temp, 'wx', 0o640);
  try {
    let offset = 0;
    while (offset < delivery.raw.length) offset += writeSync(fd, delivery.raw, offset);
    fsyncSync(fd);
    closeSync(fd);
    adoptOwnership(temp, dir);
    renameSync(temp, final);
  } catch (error) {
    try {
      closeSync(fd);
    } catch {
      // already closed
    }
    removeIfPresent(temp);
    throw error;
  }
  fsyncFolder(dir);
  return final;
}

/** Spill files waiting to be drained (complete ones, and stale temporary ones). */
export function listSpill(dir: string, now = Date.now()): string[] {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw isPermissionDenied(error) ? permissionDenied('list the spill folder', dir, error) : error;
  }
  return names
    .filter((name) => {
      const match = NAME.exec(name);
      if (!match) return false;
      if (match[5] === undefined) return !name.startsWith('.');
      return now - statSync(join(dir, name)).mtimeMs > STALE_TEMP_MS;
    })
    .sort();
}

export interface DrainSummary extends Omit<IngestSummary, 'unknownTypes'> {
  /** Spill files moved into the queue by this drain. */
  files: number;
  /** Files another drain had already queued (removed now). */
  alreadyDrained: number;
}

/** Moves every spill file into the queue, exactly once each. */
export function drainSpill(db: Db, ingester: Ingester, dir: string, now = Date.now()): DrainSummary {
  const summary: DrainSummary = {files: 0, alreadyDrained: 0, queued: 0, duplicates: 0, quarantined: 0};
  for (const name of listSpill(dir, now)) {
    const path = join(dir, name);
    const match = NAME.exec(name) as RegExpExecArray;
    let raw: Buffer;
    try {
      raw = readFileSync(path);
    } catch (error) {
      // Another drain removed it between listing and reading.
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') continue;
      throw isPermissionDenied(error) ? permissionDenied('read spill file', path, error) : error;
    }
    const source = SOURCES.find((s) => s === match[4]) ?? 'stdin';
    const key = name.replace(/^\./, '').replace(/\.tmp$/, '');
    try {
      const result = ingester.ingest([{raw, receivedAt: Number(match[1]), source, spillFile: key}], () => {
        if (!ingester.claimSpill(key, now)) throw new AlreadyDrained();
      });
      summary.files++;
      summary.queued += result.queued;
      summary.duplicates += result.duplicates;
      summary.quarantined += result.quarantined;
    } catch (error) {
      if (!(error instanceof AlreadyDrained)) throw error;
      summary.alreadyDrained++;
    }
    removeIfPresent(path);
  }
  return summary;
}

class AlreadyDrained extends Error {}
