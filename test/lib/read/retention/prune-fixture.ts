/**
 * An archive for the prune tests, made with the real `bonnie archive` code from a spool: `users` users
 * (u1, u2...), each with `perUser` messages in their INBOX, one archive run per user (so one segment per
 * user). Every `oldEvery`-th message (UIDs oldEvery, 2 x oldEvery...) is dated 2015, the others March 2026:
 * a `--delete 5y` rule lets exactly those go. Subjects are unique: "Quarterly report <user>-<uid>".
 */
import {join} from 'node:path';
import {openCatalog} from '../../../../src/lib/base/catalog/catalog.js';
import {hashBlob} from '../../../../src/lib/store/archive/blob/blob.js';
import {archiveFolders} from '../../../../src/lib/pipeline/snapshot/archiver.js';
import {SpoolSource} from '../../../../src/lib/pipeline/snapshot/spool-source.js';
import {makeMail} from '../../store/archive/mail.js';
import {writeMailbox} from '../../sources/cyrus/cyrus-spool.js';

export interface PruneMessage {
  user: string;
  uid: number;
  subject: string;
  sha256: string;
  old: boolean;
  /** Its date (the Date header), ms. */
  date: number;
  size: number;
}

export interface PruneArchive {
  catalog: string;
  archive: string;
  spool: string;
  messages: PruneMessage[];
}

const OLD_DATE = Date.UTC(2015, 5, 1, 9, 0, 0);
const NEW_DATE = Date.UTC(2026, 2, 3, 9, 0, 0);

export async function buildPruneArchive(dir: string, options: {users?: number; perUser?: number; oldEvery?: number; size?: number} = {}): Promise<PruneArchive> {
  const {users = 3, perUser = 40, oldEvery = 10, size = 12_000} = options;
  const spool = join(dir, 'spool');
  const messages: PruneMessage[] = [];
  for (let u = 1; u <= users; u++) {
    const user = `u${u}`;
    const folder = {mailboxId: `pr${String(u).padStart(22, '0')}`, name: `user.${user}`, uidValidity: 1700000000 + u, messages: [] as Array<{uid: number; bytes: Buffer; internalDate: number; modseq: number}>};
    for (let uid = 1; uid <= perUser; uid++) {
      const old = uid % oldEvery === 0;
      const date = old ? OLD_DATE + uid * 60_000 : NEW_DATE + uid * 60_000;
      const seed = `${user}-${uid}`;
      const bytes = Buffer.from(
        makeMail(seed, size + (uid % 7) * 1000, uid % 3 === 0 ? 'binary' : 'text')
          .toString('latin1')
          .replace('Date: Tue, 3 Mar 2026 10:00:00 +0100', `Date: ${new Date(date).toUTCString().replace('GMT', '+0000')}`),
        'latin1',
      );
      folder.messages.push({uid, bytes, internalDate: date, modseq: uid});
      messages.push({user, uid, subject: `Quarterly report ${seed}`, sha256: hashBlob(bytes).toString('hex'), old, date, size: bytes.length});
    }
    writeMailbox(spool, {...folder, highestModseq: perUser});
  }
  const catalogPath = join(dir, 'catalog.db');
  const archive = join(dir, 'archive');
  const catalog = openCatalog(catalogPath, {create: true});
  try {
    for (let u = 1; u <= users; u++) await archiveFolders(catalog, new SpoolSource([spool]), {kind: 'user', login: `u${u}`}, {archiveDir: archive});
  } finally {
    catalog.close();
  }
  return {catalog: catalogPath, archive, spool, messages};
}
