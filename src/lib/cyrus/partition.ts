/**
 * Cyrus' partitions on disk (Cyrus 3.x, mailboxes by id): every folder is
 * `<partition>/uuid/<id[0]>/<id[1]>/<mailboxID>/` with its `cyrus.header`, `cyrus.index` and one file
 * `<UID>.` per message. A site may have several partitions (imapd.conf `partition-<name>`); bonnie is
 * given their roots (`spool`, then `partitions`).
 */
import {existsSync, readdirSync, statSync} from 'node:fs';
import {join} from 'node:path';
import {BonnieError, errorMessage} from '../errors.js';

/** Shared by every command that reads the partitions (archive, collector). */
const DENIED_HINT = "Cyrus' partitions are readable by the cyrus user only: run bonnie as the cyrus user (sudo -u cyrus bonnie ...), or read the mail over IMAP (imap_url; bonnie archive --from imap).";

/** The folder of mailbox `mailboxId` under the partition root `root`. */
export function mailboxDir(root: string, mailboxId: string): string {
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
