/**
 * Which catalog a spill folder belongs to. The spill files and the daemon's journal carry events but not the
 * catalog they were meant for: two Cyrus instances (two catalogs) given the same spill folder would each
 * drain the other's events into their own record. So the first drainer claims the folder for its catalog
 * (`<spill>/.catalog`, the catalog's real path), and every later drain and daemon start checks the claim:
 * another catalog's folder is refused with the fix, and nothing in it is touched.
 *
 * The per-event dealer does not check (it must keep the event whatever happens, and its start-up is Cyrus'
 * throughput): what it spills into a folder claimed by another catalog stays there until the right catalog
 * drains it, and the refusal tells the administrator.
 */
import {existsSync, readFileSync, realpathSync, renameSync, writeFileSync} from 'node:fs';
import {join, resolve} from 'node:path';
import {BonnieError} from '../../base/errors.js';
import {fsyncFolder} from '../../base/system/files.js';
import {adoptOwnership} from '../../base/system/ownership.js';

export const CLAIM_NAME = '.catalog';

/** The real path of a catalog file (its resolved path when it does not exist yet). */
function catalogIdentity(catalog: string): string {
  try {
    return realpathSync(catalog);
  } catch {
    return resolve(catalog);
  }
}

/** The catalog that claimed `spill`, or undefined when none has. */
export function spillClaim(spill: string): string | undefined {
  try {
    const text = readFileSync(join(spill, CLAIM_NAME), 'utf8').trim();
    return text === '' ? undefined : text;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

/**
 * Claims `spill` for `catalog` (an opened catalog: a path that failed to open claims nothing), or checks that
 * it already is. Throws `SpillFolderShared` when another catalog claimed it. A folder this user cannot write is
 * left unclaimed (the drain reports that itself).
 */
export function claimSpill(spill: string, catalog: string): void {
  if (isInMemory(catalog)) return;
  if (!checkSpillClaim(spill, catalog)) writeClaim(spill, catalogIdentity(catalog));
}

/** An in-memory catalog (tests) has no spill folder of its own to claim. */
function isInMemory(catalog: string): boolean {
  return catalog === '' || catalog === ':memory:' || catalog.startsWith('file::memory:');
}

/**
 * Checks, without claiming, that `spill` is unclaimed (false) or claimed by `catalog` (true); throws
 * `SpillFolderShared` when another catalog claimed it.
 */
export function checkSpillClaim(spill: string, catalog: string): boolean {
  if (isInMemory(catalog)) return false;
  const own = catalogIdentity(catalog);
  const claimed = spillClaim(spill);
  if (claimed === undefined) return false;
  if (claimed === own || catalogIdentity(claimed) === own) return true;
  throw new BonnieError('SpillFolderShared', `the spill folder ${spill} belongs to another catalog (${claimed}); this catalog is ${own}`, {
    hint: `Give each catalog its own spill folder (setting spill, or --spill). If ${claimed} was moved to ${own}, remove ${join(spill, CLAIM_NAME)} and run again.`,
  });
}

function writeClaim(spill: string, own: string): void {
  const path = join(spill, CLAIM_NAME);
  const temp = `${path}.${process.pid}.tmp`;
  try {
    // A folder that does not exist holds nothing to drain: it is claimed by the first drain after it is made.
    if (!existsSync(spill)) return;
    writeFileSync(temp, `${own}\n`, {mode: 0o640});
    adoptOwnership(temp, spill);
    renameSync(temp, path);
    fsyncFolder(spill);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EACCES' || code === 'EPERM' || code === 'EROFS' || code === 'ENOSPC') return;
    throw error;
  }
}
