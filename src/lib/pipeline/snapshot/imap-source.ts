/**
 * IMAP as a {@link FolderSource} (imapflow): the admin lists the folders; each user's folders are then read
 * by proxy as that user (lib/imap/connect.ts), EXAMINEd (read-only: no \Seen is set, no \Recent taken),
 * their state from FETCH UID FLAGS INTERNALDATE RFC822.SIZE MODSEQ and the bytes from BODY.PEEK[].
 * Works from any host; sees only what IMAP shows (not expunged messages awaiting cyr_expire).
 */
import type {ImapFlow} from 'imapflow';
import type {ImapSettings} from '../../base/config/settings.js';
import {connectImap, ownerLogin, userFolderPath} from '../../sources/imap/connect.js';
import {BonnieError, errorMessage} from '../../base/errors.js';
import {selects, type FolderRef, type FolderSource, type FolderState, type MessageBytes, type Selector} from './source.js';

/** Why a message is unrecoverable when IMAP no longer has it. */
export const NOT_ON_SERVER = 'not on the IMAP server any more (expunged before archiving)';
/** Messages per FETCH BODY.PEEK[]. */
const FETCH_CHUNK = 50;

export interface ImapSourceOptions {
  /** Folder annotations to read with GETMETADATA (folder_metadata). */
  metadata?: readonly string[];
  warn?: (message: string) => void;
}

export class ImapSource implements FolderSource {
  readonly kind = 'imap' as const;
  private admin: ImapFlow | undefined;
  private user: {login: string | undefined; client: ImapFlow} | undefined;
  private separator = '.';
  private readonly paths = new Map<string, string>();

  constructor(private readonly settings: ImapSettings, private readonly options: ImapSourceOptions = {}) {}

  async listFolders(selector: Selector): Promise<FolderRef[]> {
    this.admin ??= await connectImap(this.settings, {warn: this.options.warn});
    const listed = await this.admin.list();
    this.separator = listed[0]?.delimiter ?? '.';
    return listed
      .filter((entry) => !(entry.flags instanceof Set && entry.flags.has('\\Noselect')) && selects(selector, entry.path))
      .map((entry) => ({name: entry.path}))
      .sort((a, b) => a.name.localeCompare(b.name));
  }

  async readFolder(folder: FolderRef): Promise<FolderState> {
    const client = await this.clientFor(folder.name);
    const path = userFolderPath(folder.name, this.separator) ?? folder.name;
    this.paths.set(folder.name, path);
    const lock = await client.getMailboxLock(path, {readOnly: true});
    try {
      const box = client.mailbox;
      if (box === false || box.mailboxId === undefined) {
        throw new BonnieError('ImapNoMailboxId', `${folder.name}: the server did not give its MAILBOXID (RFC 8474)`, {hint: 'bonnie needs Cyrus 3.0 or later.'});
      }
      const messages: FolderState['messages'] = [];
      if (box.exists > 0) {
        for await (const m of client.fetch('1:*', {uid: true, flags: true, internalDate: true, size: true}, {uid: false})) {
          messages.push({
            uid: m.uid,
            flags: [...(m.flags ?? [])].filter((f) => f !== '\\Recent'),
            internalDate: m.internalDate instanceof Date ? m.internalDate.getTime() : new Date(m.internalDate ?? 0).getTime(),
            size: m.size ?? 0,
            modseq: m.modseq ?? 0n,
            expunged: false,
          });
        }
      }
      messages.sort((a, b) => a.uid - b.uid);
      const state: FolderState = {mailboxId: box.mailboxId, name: folder.name, uidValidity: Number(box.uidValidity), highestModseq: box.highestModseq ?? 0n, messages};
      if (this.options.metadata !== undefined && this.options.metadata.length > 0) state.metadata = await getMetadata(client, path, this.options.metadata);
      return state;
    } finally {
      lock.release();
    }
  }

  async *readMessages(folder: FolderState, uids: readonly number[]): AsyncIterable<MessageBytes> {
    const client = await this.clientFor(folder.name);
    const path = this.paths.get(folder.name) ?? folder.name;
    const lock = await client.getMailboxLock(path, {readOnly: true});
    try {
      for (let i = 0; i < uids.length; i += FETCH_CHUNK) {
        const chunk = uids.slice(i, i + FETCH_CHUNK);
        const got = new Map<number, Buffer>();
        for await (const m of client.fetch(chunk.join(','), {uid: true, source: true}, {uid: true})) {
          if (m.source !== undefined) got.set(m.uid, m.source);
        }
        for (const uid of chunk) {
          const bytes = got.get(uid);
          yield bytes === undefined ? {uid, gone: NOT_ON_SERVER} : {uid, bytes};
        }
      }
    } finally {
      lock.release();
    }
  }

  async close(): Promise<void> {
    for (const client of [this.user?.client, this.admin]) {
      if (client === undefined) continue;
      try {
        await client.logout();
      } catch {
        client.close();
      }
    }
    this.user = undefined;
    this.admin = undefined;
  }

  /** A connection acting as the folder's owner (the admin itself for a shared folder); one kept at a time. */
  private async clientFor(name: string): Promise<ImapFlow> {
    const login = ownerLogin(name, this.separator);
    if (this.user !== undefined && this.user.login === login) return this.user.client;
    if (this.user !== undefined) {
      await this.user.client.logout().catch(() => this.user?.client.close());
      this.user = undefined;
    }
    const client = await connectImap(this.settings, {as: login, warn: this.options.warn});
    this.user = {login, client};
    return client;
  }
}

/** GETMETADATA (RFC 5464) of the given entries; an entry the server does not have is null. */
async function getMetadata(client: ImapFlow, path: string, entries: readonly string[]): Promise<Record<string, string | null>> {
  const result: Record<string, string | null> = Object.fromEntries(entries.map((e) => [e, null]));
  type Attribute = {type?: string; value?: unknown} | Attribute[];
  const exec = (client as unknown as {exec: (command: string, attributes: unknown[], options: unknown) => Promise<{next: () => void}>}).exec.bind(client);
  try {
    const response = await exec('GETMETADATA', [{type: 'STRING', value: path}, entries.map((e) => ({type: 'STRING', value: e}))], {
      untagged: {
        METADATA: async (untagged: {attributes?: Attribute[]}) => {
          const list = untagged.attributes?.[1];
          if (!Array.isArray(list)) return;
          for (let i = 0; i + 1 < list.length; i += 2) {
            const key = textOf(list[i] as Attribute);
            const value = textOf(list[i + 1] as Attribute);
            if (key !== undefined) result[key] = value ?? null;
          }
        },
      },
    });
    response.next();
  } catch (error) {
    throw new BonnieError('ImapMetadataFailed', `GETMETADATA on ${path} failed: ${errorMessage(error)}`, {cause: error, hint: 'Check folder_metadata: each entry must start with /shared/ or /private/.'});
  }
  return result;
}

function textOf(attribute: {type?: string; value?: unknown} | unknown[] | null | undefined): string | undefined {
  // NIL (an entry that is not set) arrives as null.
  if (attribute === null || attribute === undefined || Array.isArray(attribute) || attribute.value === undefined || attribute.value === null) return undefined;
  const v = attribute.value;
  if (Buffer.isBuffer(v)) return v.toString('utf8');
  if (typeof v === 'string') return v === 'NIL' && attribute.type === 'ATOM' ? undefined : v;
  return String(v);
}
