/**
 * The collector's IMAP fallback: the bytes of messages whose file this host cannot reach, fetched from
 * Cyrus as an admin acting as each folder's owner (lib/imap/connect.ts). Each folder is EXAMINEd
 * (read-only, RFC 3501 6.3.2: no \Seen, no \Recent taken) and its identity checked before any UID is
 * trusted: the MAILBOXID (RFC 8474) must be the job's, the UIDVALIDITY the event's. The bytes come from
 * UID FETCH BODY.PEEK[] (no MessageRead event, no flag change), in chunks per folder.
 *
 * Contracts: a problem with one folder (it is gone, it is now another mailbox, the server refuses it)
 * is that folder's outcome; a problem with the server (unreachable, the admin's login refused, the
 * connection lost) is thrown, so no job is charged an attempt for it.
 */
import type {ImapFlow} from 'imapflow';
import type {ImapSettings} from '../../base/config/settings.js';
import {parseMailboxName} from '../../core/event/mailbox-name.js';
import type {FolderRef} from '../../core/folder.js';
import {BonnieError, errorMessage} from '../../base/errors.js';
import {connectImap, ownerLogin, userFolderPath} from '../../sources/imap/connect.js';

/** Why a message is unrecoverable when IMAP no longer has it. */
export const NOT_ON_IMAP_REASON =
  'not on the IMAP server any more (expunged before collection); the spool may still hold it until cyr_expire -X, but IMAP cannot serve expunged messages and the spool is not readable from here';
/** UIDs per UID FETCH. */
const FETCH_CHUNK = 50;
/** Connections kept open at once (one per owner, least recently used closed first). */
const MAX_CONNECTIONS = 8;

/** One message's bytes, or why they cannot be had (`gone`: for good; `failed`: retry later). */
export type ImapRead = {uid: number; bytes: Buffer} | {uid: number; gone: string} | {uid: number; failed: string};

export interface ImapReaderOptions {
  /** The latest name the catalog knows for a mailbox (it may have been renamed since the event). */
  knownName?: (mailboxId: string) => string | undefined;
  warn?: (message: string) => void;
}

type Opened = {kind: 'open'; client: ImapFlow; name: string} | {kind: 'gone'; reason: string} | {kind: 'failed'; error: string};

export class ImapMessageReader {
  private readonly clients = new Map<string, ImapFlow>();
  private adminChecked = false;

  constructor(private readonly settings: ImapSettings, private readonly options: ImapReaderOptions = {}) {}

  /**
   * The messages `uids` of `folder`, in the order given, one result each. The folder as a job names it:
   * its mailboxID, the name from the event, the event's UIDVALIDITY (0: none).
   */
  async *read(folder: Required<FolderRef>, uids: readonly number[]): AsyncGenerator<ImapRead> {
    const opened = await this.open(folder);
    if (opened.kind !== 'open') {
      for (const uid of uids) yield opened.kind === 'gone' ? {uid, gone: opened.reason} : {uid, failed: opened.error};
      return;
    }
    for (let i = 0; i < uids.length; i += FETCH_CHUNK) {
      const chunk = uids.slice(i, i + FETCH_CHUNK);
      const got = new Map<number, Buffer>();
      try {
        for await (const m of opened.client.fetch(chunk.join(','), {uid: true, source: true}, {uid: true})) {
          if (m.source !== undefined) got.set(m.uid, m.source);
        }
      } catch (error) {
        if (!refused(error)) throw lost(this.settings, error);
        for (const uid of uids.slice(i)) yield {uid, failed: `UID FETCH in ${opened.name}: ${describe(error)}`};
        return;
      }
      for (const uid of chunk) {
        const bytes = got.get(uid);
        yield bytes === undefined ? {uid, gone: NOT_ON_IMAP_REASON} : {uid, bytes};
      }
    }
  }

  /** Logs out of every connection. */
  async close(): Promise<void> {
    const clients = [...this.clients.values()];
    this.clients.clear();
    await Promise.all(clients.map((c) => logout(c)));
  }

  /**
   * EXAMINEs the folder by the event's name, then by the latest name the catalog knows, and accepts the
   * first that is the job's mailbox with the job's UIDVALIDITY.
   */
  private async open(folder: Required<FolderRef>): Promise<Opened> {
    const names = [folder.name];
    const known = this.options.knownName?.(folder.mailboxId);
    if (known !== undefined && known !== folder.name) names.push(known);
    let other: string | undefined;
    for (const name of names) {
      const separator = parseMailboxName(name).separator;
      const client = await this.client(ownerLogin(name, separator));
      if (typeof client === 'string') return {kind: 'failed', error: client};
      const path = userFolderPath(name, separator) ?? name;
      let box;
      try {
        box = await client.mailboxOpen(path, {readOnly: true});
      } catch (error) {
        if (!refused(error)) throw lost(this.settings, error);
        if ((error as {mailboxMissing?: boolean}).mailboxMissing === true) continue;
        return {kind: 'failed', error: `EXAMINE ${name}: ${describe(error)}`};
      }
      // Without MAILBOXID (not Cyrus 3) the UIDVALIDITY alone says whether it is the same folder.
      if (box.mailboxId !== undefined && box.mailboxId !== folder.mailboxId) {
        other ??= `folder ${name} on the IMAP server is now another mailbox (${box.mailboxId}, not ${folder.mailboxId}): it was renamed or deleted and the name reused, and its spool folder is not readable from here`;
        continue;
      }
      if (folder.uidValidity !== 0 && Number(box.uidValidity) !== folder.uidValidity) {
        return {kind: 'gone', reason: `folder ${name} has UIDVALIDITY ${box.uidValidity} on the IMAP server, the event said ${folder.uidValidity}: its UIDs name other messages now`};
      }
      return {kind: 'open', client, name};
    }
    const which = names.length > 1 ? `folder ${names[0]} (last known as ${names[1]})` : `folder ${folder.name}`;
    return {kind: 'gone', reason: other ?? `${which} is not on the IMAP server any more (deleted, or renamed to a name the catalog does not know), and its spool folder is not readable from here`};
  }

  /** A connection acting as `login` (the admin itself for a shared folder), or why the server refused it. */
  private async client(login: string | undefined): Promise<ImapFlow | string> {
    const key = login ?? '';
    const kept = this.clients.get(key);
    if (kept !== undefined && kept.usable) {
      // Most recently used last.
      this.clients.delete(key);
      this.clients.set(key, kept);
      return kept;
    }
    if (kept !== undefined) this.clients.delete(key);
    while (this.clients.size >= MAX_CONNECTIONS) {
      const [oldest, client] = this.clients.entries().next().value as [string, ImapFlow];
      this.clients.delete(oldest);
      await logout(client);
    }
    try {
      const client = await connectImap(this.settings, {as: login, warn: this.options.warn});
      this.clients.set(key, client);
      return client;
    } catch (error) {
      if (!(error instanceof BonnieError) || error.code !== 'ImapLoginFailed' || login === undefined || login === this.settings.user) throw error;
      // Refused acting as the owner: a user removed since, or the admin's password is wrong? Ask once.
      if (!this.adminChecked) {
        const admin = await connectImap(this.settings, {warn: this.options.warn});
        await logout(admin);
        this.adminChecked = true;
      }
      return error.message;
    }
  }
}

/** True for a tagged NO or BAD: the server refused this command, the connection is fine. */
function refused(error: unknown): boolean {
  const status = (error as {responseStatus?: string}).responseStatus;
  return status === 'NO' || status === 'BAD';
}

function describe(error: unknown): string {
  const text = (error as {responseText?: string}).responseText;
  return text === undefined || text === '' ? errorMessage(error) : text;
}

function lost(settings: ImapSettings, error: unknown): BonnieError {
  if (error instanceof BonnieError) return error;
  return new BonnieError('ImapUnreachable', `the connection to the IMAP server ${settings.url} failed: ${describe(error)}`, {
    cause: error,
    hint: 'Check imap_url and that Cyrus is running; the messages stay pending and are collected by the next run.',
  });
}

async function logout(client: ImapFlow): Promise<void> {
  try {
    await client.logout();
  } catch {
    client.close();
  }
}
