/**
 * The collector's view of Cyrus' partitions (layout and checks: lib/cyrus/partition.ts): which message
 * files this host can read, and for those it cannot, why. The why decides what happens next
 * ({@link routeRead}): a file gone from a folder that is here was expunged and cleaned by cyr_expire; a
 * folder in no partition here, or files this user may not read, are IMAP's to serve when imap_url is set.
 */
import {readFileSync, statSync} from 'node:fs';
import {join} from 'node:path';
import {checkPartitions, findMailboxDir, invalidMailboxIdReason, isMailboxId, mailboxDir} from '../../sources/cyrus/partition.js';
import {BonnieError, errorMessage} from '../../base/errors.js';

/** Why a job is unrecoverable when its file is missing from a folder that is on this host. */
export const SPOOL_GONE_REASON = 'spool file gone (expunged and cleaned, or folder deleted) before collection';

/** Why a message file cannot be reached on this host. */
export type Unreachable =
  /** No root (spool, partitions) is a Cyrus partition here: the collector runs on another host. */
  | 'no-partition'
  /** No partition here holds the folder. */
  | 'no-folder'
  /** Permission denied on the folder or the file. */
  | 'denied'
  /** The mailbox ID from the event is not one: it is never turned into a path (nor read over IMAP). */
  | 'invalid-id';

/** What reading one message file gave. */
export type SpoolRead =
  | {kind: 'bytes'; bytes: Buffer}
  /** The folder is here, the file is not: expunged and cleaned, nobody can have it any more. */
  | {kind: 'gone'}
  | {kind: 'unreachable'; why: Unreachable; detail: string}
  /** Any other error (EISDIR, EIO...): retried on a later run. */
  | {kind: 'error'; error: string};

/** What the collector does with a job after trying the spool. */
export type Route =
  | {kind: 'store'; bytes: Buffer}
  | {kind: 'unrecoverable'; reason: string}
  | {kind: 'failed'; error: string}
  | {kind: 'imap'}
  /** A problem with every file (permissions): stop the run, keeping what is stored. */
  | {kind: 'stop'; error: BonnieError};

/**
 * The decision after a spool read. Without IMAP, today's rules: a folder in no partition is gone (it was
 * deleted and cleaned), a permission error stops the run. With IMAP, whatever this host cannot reach is
 * fetched over IMAP; a file missing from a folder that IS here stays gone (IMAP cannot serve it either).
 */
export function routeRead(read: SpoolRead, imap: boolean): Route {
  switch (read.kind) {
    case 'bytes':
      return {kind: 'store', bytes: read.bytes};
    case 'gone':
      return {kind: 'unrecoverable', reason: SPOOL_GONE_REASON};
    case 'error':
      return {kind: 'failed', error: read.error};
    case 'unreachable':
      if (read.why === 'invalid-id') return {kind: 'unrecoverable', reason: read.detail};
      if (imap) return {kind: 'imap'};
      if (read.why === 'no-folder') return {kind: 'unrecoverable', reason: SPOOL_GONE_REASON};
      if (read.why === 'denied') return {kind: 'stop', error: unreadable(read.detail)};
      return {kind: 'stop', error: notPartition(read.detail)};
  }
}

/** Where a folder is on this host. */
export type FolderLocation = {kind: 'here'; dir: string} | {kind: 'unreachable'; why: Unreachable; detail: string};

/**
 * Reads message files from the partitions usable on this host. Each folder is looked up once per run
 * (findMailboxDir over the roots, in order) and the answer cached.
 */
export class SpoolReader {
  private readonly folders = new Map<string, FolderLocation>();

  /** @param roots partition roots that are Cyrus partitions on this host (see {@link openSpool}) */
  constructor(readonly roots: readonly string[]) {}

  /** Where folder `mailboxId` is: its directory, or why it cannot be reached. */
  locate(mailboxId: string): FolderLocation {
    let found = this.folders.get(mailboxId);
    if (found === undefined) {
      found = this.find(mailboxId);
      this.folders.set(mailboxId, found);
    }
    return found;
  }

  /** Reads message `uid` of folder `mailboxId`. */
  read(mailboxId: string, uid: number): SpoolRead {
    const where = this.locate(mailboxId);
    if (where.kind === 'unreachable') return where;
    const first = readMessageFile(join(where.dir, `${uid}.`));
    if (first.kind !== 'gone') return first;
    // Cyrus' archive partitions (archivepartition-<name>) hold the same folder: older files live there.
    for (const root of this.roots) {
      const dir = mailboxDir(root, mailboxId);
      if (dir === where.dir) continue;
      const other = readMessageFile(join(dir, `${uid}.`));
      if (other.kind !== 'gone') return other;
    }
    return first;
  }

  private find(mailboxId: string): FolderLocation {
    if (!isMailboxId(mailboxId)) return {kind: 'unreachable', why: 'invalid-id', detail: invalidMailboxIdReason(mailboxId)};
    if (this.roots.length === 0) return {kind: 'unreachable', why: 'no-partition', detail: 'no Cyrus partition on this host'};
    const dir = findMailboxDir(this.roots, mailboxId);
    if (dir !== undefined) return {kind: 'here', dir};
    // findMailboxDir says "absent" for a folder this user may not look into: tell the two apart, or a
    // collector run as the wrong user would judge every message gone.
    for (const root of this.roots) {
      const path = mailboxDir(root, mailboxId);
      try {
        statSync(path);
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code;
        if (code === 'EACCES' || code === 'EPERM') return {kind: 'unreachable', why: 'denied', detail: `cannot read ${path}: ${errorMessage(error)}`};
      }
    }
    return {kind: 'unreachable', why: 'no-folder', detail: `folder ${mailboxId} is in no partition (${this.roots.join(', ')})`};
  }
}

/**
 * The partitions to read for this run. Without IMAP every root must be a Cyrus partition (SpoolNotFound,
 * SpoolUnreadable otherwise: a wrong path would mark every message gone). With IMAP the roots that are
 * partitions here are used and the rest served over IMAP; `warn` hears about roots skipped by mistake
 * (unreadable, or missing while others are present), not about a collector on another host.
 */
export function openSpool(roots: readonly string[], imap: boolean, warn: (message: string) => void = () => undefined): SpoolReader {
  if (!imap) {
    try {
      checkPartitions(roots);
    } catch (error) {
      if (error instanceof BonnieError && error.code === 'SpoolNotFound') throw notPartition(error.message, error);
      if (error instanceof BonnieError && error.code === 'SpoolUnreadable') throw unreadable(error.message, error);
      throw error;
    }
    return new SpoolReader(roots);
  }
  const states = roots.map((root) => ({root, state: partitionState(root)}));
  const usable = states.filter((s) => s.state === 'partition').map((s) => s.root);
  for (const {root, state} of states) {
    if (state === 'denied') warn(`cannot read the partition ${root} (permission denied): its messages are read over IMAP, which cannot see expunged ones; run bonnie collector as the cyrus user to read the spool`);
    else if (state === 'absent' && usable.length > 0) warn(`${root} is not a Cyrus partition (it has no "uuid" folder): its messages are read over IMAP`);
  }
  return new SpoolReader(usable);
}

function partitionState(root: string): 'partition' | 'absent' | 'denied' {
  try {
    return statSync(join(root, 'uuid')).isDirectory() ? 'partition' : 'absent';
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    return code === 'EACCES' || code === 'EPERM' ? 'denied' : 'absent';
  }
}

/** Reads one message file: a missing file is `gone`, permission denied `unreachable`, anything else an error. */
function readMessageFile(path: string): SpoolRead {
  try {
    return {kind: 'bytes', bytes: readFileSync(path)};
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return {kind: 'gone'};
    if (code === 'EACCES' || code === 'EPERM') return {kind: 'unreachable', why: 'denied', detail: `cannot read ${path}: ${errorMessage(error)}`};
    return {kind: 'error', error: errorMessage(error)};
  }
}

const REMOTE_HINT = 'To collect from another host, set imap_url (with imap_user and imap_password_file): what the spool here cannot give is then read over IMAP.';

function notPartition(message: string, cause?: unknown): BonnieError {
  return new BonnieError('SpoolNotFound', message, {
    cause,
    hint: `Set spool (BONNIE_SPOOL, --spool) to imapd.conf's partition-default, e.g. /var/spool/cyrus/mail, and partitions to its other partition-<name> values. ${REMOTE_HINT}`,
  });
}

function unreadable(message: string, cause?: unknown): BonnieError {
  return new BonnieError('SpoolUnreadable', message, {
    cause,
    hint: `Cyrus' message files are readable by the cyrus user only: run bonnie collector as the cyrus user (e.g. sudo -u cyrus bonnie collector). ${REMOTE_HINT}`,
  });
}
