/**
 * Cyrus' partitions on disk (Cyrus 3.x, mailboxes by id): every folder is
 * `<partition>/uuid/<id[0]>/<id[1]>/<mailboxID>/` with its `cyrus.header`, `cyrus.index` and one file
 * `<UID>.` per message. A site may have several partitions (imapd.conf `partition-<name>`); bonnie is
 * given their roots (`spool`, then `partitions`).
 */
import {existsSync, readdirSync, statSync} from 'node:fs';
import {join} from 'node:path';
import {BonnieError, errorMessage} from '../../base/errors.js';

/** Shared by every command that reads the partitions (archive, collector). */
const DENIED_HINT = "Cyrus' partitions are readable by the cyrus user only: run bonnie as the cyrus user (sudo -u cyrus bonnie ...), or read the mail over IMAP (imap_url; bonnie archive --from imap).";

/**
 * What a mailbox ID may be before it becomes a path: Cyrus 3.6 makes 24 lower-case letters and digits
 * (`76yzkoa5vpplgcimbgeofaee`); older ids are hex or a UUID with dashes. Letters, digits, `-` and `_`,
 * up to 64: never `/`, `.` or NUL, so an id from an event (which anyone who can write to notifyd's socket
 * can send) cannot name a file outside its partition (`../../etc`).
 */
export const MAILBOX_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/;

/** True when `mailboxId` can be a Cyrus mailbox ID (and so a folder name under `uuid/`). */
export function isMailboxId(mailboxId: string): boolean {
  return MAILBOX_ID_PATTERN.test(mailboxId);
}

/** Why `mailboxId` is refused, for a job's unrecoverable reason or an error. */
export function invalidMailboxIdReason(mailboxId: string): string {
  return `${JSON.stringify(mailboxId.length > 80 ? `${mailboxId.slice(0, 80)}...` : mailboxId)} is not a Cyrus mailbox ID (letters, digits, "-" and "_", up to 64): no file is read for it`;
}

/**
 * The folder of mailbox `mailboxId` under the partition root `root`: the one place an id becomes a path.
 * Throws MailboxIdInvalid for an id that is not one (callers check {@link isMailboxId} first to refuse
 * just the job that carries it).
 */
export function mailboxDir(root: string, mailboxId: string): string {
  if (!isMailboxId(mailboxId)) {
    throw new BonnieError('MailboxIdInvalid', invalidMailboxIdReason(mailboxId), {hint: 'The notification that named it was not written by Cyrus, or was damaged; see "bonnie status" for the jobs refused.'});
  }
  return join(root, 'uuid', mailboxId.charAt(0), mailboxId.charAt(1), mailboxId);
}

/** The file holding message `uid` of mailbox `mailboxId` under the partition root `root`. */
export function messagePath(root: string, mailboxId: string, uid: number): string {
  return join(mailboxDir(root, mailboxId), `${uid}.`);
}

/** Finds which partition holds a mailbox: the first root with its folder, or undefined. */
export function findMailboxDir(roots: readonly string[], mailboxId: string): string | undefined {
  for (const root of roots) {
    const dir = mailboxDir(root, mailboxId);
    if (existsSync(dir)) return dir;
  }
  return undefined;
}

/** A folder found on disk. */
export interface MailboxOnDisk {
  mailboxId: string;
  dir: string;
  root: string;
}

/** Every folder of every partition (folders with a cyrus.header), sorted by path. */
export function listMailboxDirs(roots: readonly string[]): MailboxOnDisk[] {
  const found: MailboxOnDisk[] = [];
  for (const root of roots) {
    const uuid = join(root, 'uuid');
    for (const a of readDir(uuid)) {
      for (const b of readDir(join(uuid, a))) {
        for (const id of readDir(join(uuid, a, b))) {
          // Something else put there (an editor's backup, a stray file): not a folder Cyrus made.
          if (!isMailboxId(id)) continue;
          const dir = join(uuid, a, b, id);
          if (existsSync(join(dir, 'cyrus.header'))) found.push({mailboxId: id, dir, root});
        }
      }
    }
  }
  return found.sort((x, y) => x.dir.localeCompare(y.dir));
}

function readDir(path: string): string[] {
  try {
    return readdirSync(path).sort();
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return [];
    throw new BonnieError('SpoolUnreadable', `cannot read ${path}: ${errorMessage(error)}`, {
      cause: error,
      hint: DENIED_HINT,
    });
  }
}

/**
 * Checks that each root looks like a Cyrus partition (it has the `uuid` folder) before any message is
 * judged gone: a wrong path would otherwise mark every message unrecoverable.
 */
export function checkPartitions(roots: readonly string[]): void {
  for (const root of roots) {
    let isDir: boolean;
    try {
      isDir = statSync(join(root, 'uuid')).isDirectory();
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'EACCES' || code === 'EPERM') {
        throw new BonnieError('SpoolUnreadable', `cannot read ${root}: ${errorMessage(error)}`, {
          cause: error,
          hint: DENIED_HINT,
        });
      }
      isDir = false;
    }
    if (!isDir) {
      throw new BonnieError('SpoolNotFound', `${root} is not a Cyrus partition: it has no "uuid" folder`, {
        hint: "Set spool (BONNIE_SPOOL, --spool) to imapd.conf's partition-default, e.g. /var/spool/cyrus/mail, and partitions to the other partition-<name> values.",
      });
    }
  }
}
