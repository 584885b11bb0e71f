/**
 * A groupware story told twice, as bonnie learns it: the Cyrus events (real specimens, edited: folder,
 * UID, user, session, time, emailid) fed through the Ingester and processed into the record, and the same
 * folders written as a Cyrus spool (expunged messages kept on disk, as Cyrus' delayed expunge does) that
 * `bonnie archive` reads, then the search index brought up to date.
 */
import {createHash} from 'node:crypto';
import {join} from 'node:path';
import {openCatalog, type Catalog} from '../../../../src/lib/base/catalog/catalog.js';
import {updateSearch} from '../../../../src/lib/read/search/update.js';
import {archiveFolders} from '../../../../src/lib/pipeline/snapshot/archiver.js';
import {SpoolSource} from '../../../../src/lib/pipeline/snapshot/spool-source.js';
import {writeMailbox, type SpoolFolder} from '../../sources/cyrus/cyrus-spool.js';
import {feed, specimen} from '../discovery/record.js';

const SESSIONS: Record<string, string> = {
  alice: 'cyruslab-1795348439-13829-1-5917269359843833131',
  bob: 'cyruslab-1795348457-13829-1-12700372125880805197',
  carol: 'cyruslab-1795348460-13829-1-33333333333333333333',
};

/** Cyrus 3 emailids: `M` and the first 96 bits of the message's GUID (SHA-1 of its bytes). */
export function emailIdOf(bytes: Buffer): string {
  return `M${createHash('sha1').update(bytes).digest('hex').slice(0, 24)}`;
}

export class KolabScenario {
  readonly events: Uint8Array[] = [];
  readonly folders = new Map<string, SpoolFolder>();

  constructor(readonly dir: string) {}

  login(user: string, at: string): this {
    this.events.push(specimen(user === 'alice' ? 6 : 70, (e) => Object.assign(e, {user, timestamp: at, 'vnd.cmu.sessionId': SESSIONS[user]})));
    return this;
  }

  createFolder(name: string, mailboxId: string, uidValidity: number, user: string, at: string): this {
    this.folders.set(name, {mailboxId, name, uidValidity, messages: []});
    this.events.push(specimen(7, (e) => Object.assign(e, {mailboxID: mailboxId, uri: `imap://imap.lab.test/${name};UIDVALIDITY=${uidValidity}`, user, timestamp: at, 'vnd.cmu.sessionId': SESSIONS[user]})));
    return this;
  }

  /** An APPEND by `user` of `bytes` as `uid` (the Subject is `subject`). */
  append(name: string, uid: number, bytes: Buffer, subject: string, user: string, at: string): this {
    const folder = this.folder(name);
    folder.messages.push({uid, bytes, internalDate: Date.parse(at), modseq: uid + 1});
    const messageId = `<kolab-${uid}-${folder.mailboxId}@lab.test>`;
    this.events.push(
      specimen(15, (e) => {
        Object.assign(e, {
          mailboxID: folder.mailboxId,
          uri: `imap://imap.lab.test/${name};UIDVALIDITY=${folder.uidValidity}/;UID=${uid}`,
          user,
          timestamp: at,
          messageSize: bytes.length,
          'vnd.cmu.sessionId': SESSIONS[user],
          'vnd.cmu.emailid': emailIdOf(bytes),
          'vnd.cmu.midset': [messageId],
        });
        e['vnd.cmu.envelope'] = (e['vnd.cmu.envelope'] as string).replace('"First message"', JSON.stringify(subject)).replace(/"<First-message-\d+@example\.org>"/, JSON.stringify(messageId));
      }),
    );
    return this;
  }

  /** STORE +FLAGS (\Deleted) then EXPUNGE of `uid` by `user` (the file stays in the spool, flagged expunged). */
  remove(name: string, uid: number, user: string, at: string): this {
    const folder = this.folder(name);
    const message = folder.messages.find((m) => m.uid === uid);
    if (message !== undefined) Object.assign(message, {expunged: true, flags: ['\\Deleted']});
    const edit = (e: Record<string, unknown>) =>
      Object.assign(e, {mailboxID: folder.mailboxId, uri: `imap://imap.lab.test/${name};UIDVALIDITY=${folder.uidValidity}`, uidset: String(uid), 'vnd.cmu.midset': undefined, user, timestamp: at, 'vnd.cmu.sessionId': SESSIONS[user]});
    this.events.push(specimen(50, edit), specimen(53, edit));
    return this;
  }

  /** UID MOVE of `uid` from `from` to `to` (as `toUid`) by `user`: the move, then the source's expunge. */
  move(from: string, uid: number, to: string, toUid: number, user: string, at: string): this {
    const source = this.folder(from);
    const target = this.folder(to);
    const message = source.messages.find((m) => m.uid === uid);
    if (message === undefined) throw new Error(`no UID ${uid} in ${from}`);
    target.messages.push({uid: toUid, bytes: message.bytes as Buffer, internalDate: message.internalDate, modseq: toUid + 1});
    Object.assign(message, {expunged: true});
    this.events.push(
      specimen(47, (e) =>
        Object.assign(e, {
          oldMailboxID: `imap://imap.lab.test/${from};UIDVALIDITY=${source.uidValidity}`,
          'vnd.cmu.oldUidset': String(uid),
          mailboxID: target.mailboxId,
          uri: `imap://imap.lab.test/${to};UIDVALIDITY=${target.uidValidity}`,
          uidset: String(toUid),
          'vnd.cmu.midset': undefined,
          user,
          timestamp: at,
          'vnd.cmu.sessionId': SESSIONS[user],
        }),
      ),
      specimen(49, (e) =>
        Object.assign(e, {mailboxID: source.mailboxId, uri: `imap://imap.lab.test/${from};UIDVALIDITY=${source.uidValidity}`, uidset: String(uid), 'vnd.cmu.midset': undefined, user, timestamp: at, 'vnd.cmu.sessionId': SESSIONS[user]}),
      ),
    );
    return this;
  }

  /**
   * A catalog with the record of the events (unless `record` is false: mail from before bonnie) and the
   * archive of the spool, indexed for search.
   */
  async build(options: {record?: boolean} = {}): Promise<{catalog: Catalog; archiveDir: string}> {
    const catalog = openCatalog(join(this.dir, 'catalog.db'), {create: true});
    if (options.record !== false) await feed(catalog, this.events);
    const spool = join(this.dir, 'spool');
    for (const folder of this.folders.values()) writeMailbox(spool, {...folder, highestModseq: 100});
    const archiveDir = join(this.dir, 'archive');
    await archiveFolders(catalog, new SpoolSource([spool]), {kind: 'all'}, {archiveDir});
    await updateSearch(catalog, archiveDir);
    return {catalog, archiveDir};
  }

  private folder(name: string): SpoolFolder {
    const folder = this.folders.get(name);
    if (folder === undefined) throw new Error(`no folder ${name}`);
    return folder;
  }
}
