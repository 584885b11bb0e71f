/**
 * The catalog and bonnie's folders on disk, as `bonnie doctor` checks them against the permission model
 * (catalog/init.ts): the owner (cyrus) writes, its group (mail) reads; the catalog and its -wal/-shm files
 * 0640, folders 0750, everything owned alike (a file root made is one the collector cannot write).
 */
import {closeSync, existsSync, openSync, readdirSync, readSync, statfsSync, statSync, type Stats} from 'node:fs';
import {dirname, join} from 'node:path';
import {CATALOG_APPLICATION_ID, openCatalog} from '../../base/catalog/catalog.js';
import {latestSchemaVersion} from '../../base/catalog/migrations.js';
import {BonnieError, errorMessage} from '../../base/errors.js';
import {RESERVE_BYTES, reservePath} from '../../pipeline/capture/reserve.js';
import {formatBytes} from '../../base/config/bytes.js';
import {error, ok, octal, warning, type CheckResult} from './check.js';

export const CATALOG_FILE_MODE = 0o640;
export const FOLDER_MODE = 0o750;
/** Free space below which capture and archiving are about to fail. */
export const MIN_FREE_BYTES = 256 * 1024 * 1024;
/** Free space below which an operator should act soon. */
export const LOW_FREE_BYTES = 1024 * 1024 * 1024;
/** Entries of a tree (archive, spill) looked at for their owner: bounds doctor's time on a large archive. */
export const TREE_ENTRIES_CHECKED = 10_000;

/** Who should own bonnie's files: `cyrus:mail` on Debian. Ids are undefined when the name is unknown here. */
export interface ExpectedOwner {
  user: string;
  group: string;
  uid: number | undefined;
  gid: number | undefined;
}

/**
 * The catalog opens read-only as a bonnie catalog with the current schema. Without its -wal and -shm files
 * it is not opened: SQLite would create them (doctor changes nothing, and catalog.owner reports them
 * missing); its header is read instead (application id and schema version, as of the last checkpoint).
 */
export function checkCatalogFile(path: string, owner: ExpectedOwner): CheckResult {
  const id = 'catalog.file';
  if (existsSync(path) && (!existsSync(`${path}-wal`) || !existsSync(`${path}-shm`)) && isWalMode(path)) return checkCatalogHeader(path);
  try {
    const catalog = openCatalog(path, {readOnly: true});
    const version = catalog.schemaVersion;
    catalog.close();
    return ok(id, `${path}: a bonnie catalog, schema version ${version} (current)`);
  } catch (e) {
    if (!(e instanceof BonnieError)) return error(id, `${path}: ${errorMessage(e)}`, 'Check the file with bonnie verify --integrity.');
    const fix: Record<string, string> = {
      CatalogMissing: `bonnie init --catalog ${path} --owner ${owner.user}:${owner.group}`,
      CatalogTooOld: `sudo -u ${owner.user} bonnie init --catalog ${path} (upgrades the schema to version ${latestSchemaVersion()})`,
      CatalogTooNew: 'Upgrade bonnie: the catalog was written by a newer version.',
    };
    return error(id, `${e.message}`, fix[e.code] ?? e.hint ?? 'See bonnie verify --integrity.');
  }
}

/** True when the file's header says WAL (read and write versions 2 at offsets 18 and 19): opening it makes -wal and -shm. */
function isWalMode(path: string): boolean {
  try {
    const header = readHeader(path);
    return header[18] === 2 && header[19] === 2;
  } catch {
    return false;
  }
}

function readHeader(path: string): Buffer {
  const header = Buffer.alloc(100);
  const fd = openSync(path, 'r');
  try {
    readSync(fd, header, 0, header.length, 0);
  } finally {
    closeSync(fd);
  }
  return header;
}

/** SQLite's header: "SQLite format 3", user_version at offset 60, application_id at 68 (big-endian). */
function checkCatalogHeader(path: string): CheckResult {
  const id = 'catalog.file';
  let header: Buffer;
  try {
    header = readHeader(path);
  } catch (e) {
    return error(id, `cannot read ${path}: ${errorMessage(e)}`, `ls -l ${path} (run bonnie doctor as root)`);
  }
  const applicationId = header.readUInt32BE(68);
  const version = header.readUInt32BE(60);
  if (header.subarray(0, 16).toString('latin1') !== 'SQLite format 3\0' || (applicationId !== CATALOG_APPLICATION_ID && applicationId !== 0)) {
    return error(id, `${path} is not a bonnie catalog`, 'Point --catalog, BONNIE_CATALOG or the "catalog:" key at bonnie\'s catalog.');
  }
  if (version > latestSchemaVersion()) return error(id, `${path} has schema version ${version}; this bonnie knows up to ${latestSchemaVersion()}`, 'Upgrade bonnie: the catalog was written by a newer version.');
  if (applicationId === 0) {
    return warning(id, `${path} has no application id: a catalog older than the id, or another application's file (not opened: its -wal or -shm file is missing)`, `Check it after the repair catalog.owner gives: bonnie doctor --catalog ${path}`);
  }
  return ok(id, `${path}: an SQLite file with bonnie's application id, schema version ${version} at the last checkpoint (not opened: its -wal or -shm file is missing)`);
}

/**
 * Owner, group and mode of the catalog, its -wal and -shm files and its folder. The -wal/-shm files must be
 * there: a reader in the group cannot create them in a folder only the owner writes.
 */
export function checkCatalogOwnership(path: string, owner: ExpectedOwner): CheckResult[] {
  const results = [checkFolder('catalog.folder', dirname(path), owner)];
  const problems: string[] = [];
  const fixes = new Set<string>();
  for (const file of [path, `${path}-wal`, `${path}-shm`]) {
    let stats: Stats;
    try {
      stats = statSync(file);
    } catch {
      problems.push(`${file} is missing (readers in ${owner.group} cannot create it)`);
      fixes.add(`bonnie init --catalog ${path} --owner ${owner.user}:${owner.group}`);
      continue;
    }
    const problem = ownershipProblem(stats, CATALOG_FILE_MODE, owner);
    if (problem !== undefined) {
      problems.push(`${file}: ${problem}`);
      fixes.add(ownershipFix(path, true, owner));
    }
  }
  if (problems.length > 0) {
    results.push(error('catalog.owner', problems.join('; '), [...fixes].join(' && ')));
  } else {
    results.push(ok('catalog.owner', `${path}, -wal and -shm: ${owner.user}:${owner.group} ${octal(CATALOG_FILE_MODE)}, readable by ${owner.group}`));
  }
  return results;
}

/** A folder bonnie writes in (catalog's, spill, journal, archive): the catalog's owner, 0750. */
export function checkFolder(id: string, path: string, owner: ExpectedOwner, options: {optional?: string} = {}): CheckResult {
  let stats: Stats;
  try {
    stats = statSync(path);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT' && options.optional !== undefined) return ok(id, `${path} does not exist yet (${options.optional})`);
    return error(id, `${path}: ${errorMessage(e)}`, `install -d -o ${owner.user} -g ${owner.group} -m 0750 ${path}`);
  }
  if (!stats.isDirectory()) return error(id, `${path} is not a folder`, `Move it away, then: install -d -o ${owner.user} -g ${owner.group} -m 0750 ${path}`);
  const problem = ownershipProblem(stats, FOLDER_MODE, owner);
  if (problem !== undefined) return error(id, `${path}: ${problem}`, ownershipFix(path, false, owner));
  return ok(id, `${path}: ${owner.user}:${owner.group} ${octal(FOLDER_MODE)}`);
}

/**
 * A folder bonnie writes a tree of files in (spill and its journal, archive), and files in it that another
 * user made: root running bonnie archive or --drain-spill leaves files the cyrus user cannot write.
 */
export function checkTree(id: string, path: string, owner: ExpectedOwner, options: {optional?: string; usedBy: string}): CheckResult {
  const folder = checkFolder(id, path, owner, options.optional === undefined ? {} : {optional: options.optional});
  if (folder.level !== 'ok' || !existsSync(path) || owner.uid === undefined) return folder;
  const strangers: string[] = [];
  let seen = 0;
  const walk = (dir: string): void => {
    for (const entry of readdirSync(dir, {withFileTypes: true})) {
      if (seen++ >= TREE_ENTRIES_CHECKED) return;
      const full = join(dir, entry.name);
      if (statSync(full).uid !== owner.uid) strangers.push(full);
      if (entry.isDirectory()) walk(full);
    }
  };
  try {
    walk(path);
  } catch (e) {
    return error(id, `cannot read ${path}: ${errorMessage(e)}`, ownershipFix(path, false, owner));
  }
  if (strangers.length > 0) {
    const shown = strangers.slice(0, 3).join(', ');
    return error(id, `${strangers.length} file(s) in ${path} are not owned by ${owner.user} (${shown}${strangers.length > 3 ? ', ...' : ''}): ${options.usedBy} fail on them`, `chown -R ${owner.user}:${owner.group} ${path}`);
  }
  return ok(id, `${path}: ${owner.user}:${owner.group} ${octal(FOLDER_MODE)}, ${Math.min(seen, TREE_ENTRIES_CHECKED)} entr(ies) in it owned by ${owner.user}`);
}

/** The capture reserve in the spill folder: room for events when the disk fills. */
export function checkReserve(spill: string, owner: ExpectedOwner): CheckResult {
  const path = reservePath(spill);
  const fix = `sudo -u ${owner.user} bonnie dealer --drain-spill (makes the reserve again when there is room)`;
  try {
    const size = statSync(path).size;
    if (size < RESERVE_BYTES) return warning('spill.reserve', `${path} holds ${formatBytes(size)}, less than ${formatBytes(RESERVE_BYTES)}: it was used (the disk filled)`, `Free space on the disk, then: ${fix}`);
    return ok('spill.reserve', `${path}: ${formatBytes(size)} kept for events when the disk is full`);
  } catch {
    return warning('spill.reserve', `${path} is missing: a full disk would lose events`, fix);
  }
}

/** Free space on the catalog's filesystem. */
export function checkDiskSpace(path: string, statfs: (path: string) => {bavail: number | bigint; bsize: number | bigint; blocks: number | bigint} = statfsSync): CheckResult {
  const id = 'catalog.disk-space';
  let info;
  try {
    info = statfs(existsSync(path) ? path : dirname(path));
  } catch (e) {
    return warning(id, `cannot read the free space of ${path}'s filesystem: ${errorMessage(e)}`, `df -h ${dirname(path)}`);
  }
  const free = Number(info.bavail) * Number(info.bsize);
  const total = Number(info.blocks) * Number(info.bsize);
  const found = `${formatBytes(free)} free of ${formatBytes(total)} on ${path}'s filesystem`;
  if (free < MIN_FREE_BYTES) return error(id, `${found}: capture and archiving are about to fail`, `Free space or grow the filesystem (df -h ${dirname(path)}).`);
  if (free < LOW_FREE_BYTES || free < total * 0.05) return warning(id, `${found}: low`, `Free space or grow the filesystem soon (df -h ${dirname(path)}).`);
  return ok(id, found);
}

function ownershipProblem(stats: Stats, mode: number, owner: ExpectedOwner): string | undefined {
  const problems: string[] = [];
  if (owner.uid !== undefined && stats.uid !== owner.uid) problems.push(`owner uid ${stats.uid}, not ${owner.user} (${owner.uid})`);
  if (owner.gid !== undefined && stats.gid !== owner.gid) problems.push(`group gid ${stats.gid}, not ${owner.group} (${owner.gid})`);
  if ((stats.mode & 0o7777) !== mode) problems.push(`mode ${octal(stats.mode)}, not ${octal(mode)}`);
  return problems.length === 0 ? undefined : problems.join(', ');
}

function ownershipFix(path: string, catalog: boolean, owner: ExpectedOwner): string {
  if (catalog) return `chown ${owner.user}:${owner.group} ${path} ${path}-wal ${path}-shm && chmod 0640 ${path} ${path}-wal ${path}-shm`;
  return `chown ${owner.user}:${owner.group} ${path} && chmod 0750 ${path}`;
}
