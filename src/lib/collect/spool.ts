/**
 * Cyrus' spool: where a message's bytes live on the IMAP host (Cyrus 3.x, mailboxes by id):
 * `<partition>/uuid/<id[0]>/<id[1]>/<mailboxID>/<UID>.`, whatever `hashimapspool` says. Files are mode 0600,
 * owned by cyrus. COPY and MOVE hard-link the file; an expunged message's file stays until `cyr_expire -X`,
 * a deleted folder's until `cyr_expire -D`.
 */
import {readFileSync, statSync} from 'node:fs';
import {join} from 'node:path';
import {BonnieError, errorMessage} from '../errors.js';

/** The file holding message `uid` of folder `mailboxId` under the partition root `spool`. */
export function spoolPath(spool: string, mailboxId: string, uid: number): string {
  return join(spool, 'uuid', mailboxId.charAt(0), mailboxId.charAt(1), mailboxId, `${uid}.`);
}

/** What reading one message file gave. */
export type SpoolRead = {ok: true; bytes: Buffer} | {ok: false; gone: true} | {ok: false; gone: false; error: string};

/**
 * Reads one message file. A missing file is `gone`; a permission error throws SpoolUnreadable (it concerns
 * every file, not this message); any other error is returned for a retry on a later run.
 */
export function readSpoolFile(path: string): SpoolRead {
  try {
    return {ok: true, bytes: readFileSync(path)};
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return {ok: false, gone: true};
    if (code === 'EACCES' || code === 'EPERM') throw unreadable(path, error);
    return {ok: false, gone: false, error: errorMessage(error)};
  }
}

/**
 * Checks that `spool` looks like a Cyrus partition (it has the `uuid` folder) before any message is judged
 * gone: a wrong path would otherwise mark every message unrecoverable.
 */
export function checkSpool(spool: string): void {
  let isDir: boolean;
  try {
    isDir = statSync(join(spool, 'uuid')).isDirectory();
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EACCES' || code === 'EPERM') throw unreadable(spool, error);
    isDir = false;
  }
  if (!isDir) {
    throw new BonnieError('SpoolNotFound', `${spool} is not a Cyrus partition: it has no "uuid" folder`, {
      hint: 'Set spool (BONNIE_SPOOL, --spool) to imapd.conf\'s partition-default, e.g. /var/spool/cyrus/mail.',
    });
  }
}

function unreadable(path: string, error: unknown): BonnieError {
  return new BonnieError('SpoolUnreadable', `cannot read ${path}: ${errorMessage(error)}`, {
    cause: error,
    hint: 'Cyrus\' message files are readable by the cyrus user only: run bonnie collector as the cyrus user (e.g. sudo -u cyrus bonnie collector).',
  });
}
