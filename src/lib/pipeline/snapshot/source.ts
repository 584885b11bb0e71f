/**
 * Where `bonnie archive` reads existing mail from: a {@link FolderSource} lists the folders a selector
 * names, reads one folder's state (UIDs, flags, internal dates, sizes, modseqs) and the bytes of its
 * messages. Two sources: the spool (spool-source.ts, Cyrus' own files, on the IMAP host as the cyrus user)
 * and IMAP (imap-source.ts, as an admin acting as each user).
 *
 * Folder names are the admin form events use: `user.alice`, `user.alice.Sent`, `user.alice@example.com`.
 */
import {parseMailboxName} from '../../core/event/mailbox-name.js';

/** What to archive. */
export type Selector =
  | {kind: 'all'}
  | {kind: 'user'; login: string}
  | {kind: 'mailbox'; name: string}
  | {kind: 'message'; name: string; uid: number};

/** A folder a source found. */
export interface FolderRef {
  /** Admin form of the name. */
  name: string;
  /** Cyrus' mailboxID, when the listing knows it (the spool does; IMAP learns it on SELECT). */
  mailboxId?: string;
}

export interface MessageState {
  uid: number;
  flags: string[];
  /** ms since the epoch. */
  internalDate: number;
  size: number;
  modseq: bigint;
  /** Expunged but still on disk (spool source only). */
  expunged: boolean;
  /** SHA-1 of the bytes as Cyrus recorded it (spool source only), hex. */
  guid?: string;
  /** The file is already gone (spool source only): the reason, for the record. */
  gone?: string;
}

export interface FolderState {
  mailboxId: string;
  name: string;
  uidValidity: number;
  highestModseq: bigint;
  messages: MessageState[];
  /** Folder annotations asked for (folder_metadata): entry -> value (null: not set). */
  metadata?: Record<string, string | null>;
}

/** One message's bytes, or why they cannot be had. */
export type MessageBytes = {uid: number; bytes: Buffer} | {uid: number; gone: string};

export interface FolderSource {
  readonly kind: 'spool' | 'imap';
  /** The folders the selector names, in a stable order. Throws NothingToArchive-worthy errors itself only for bad input. */
  listFolders(selector: Selector): Promise<FolderRef[]>;
  /** The folder's current state. */
  readFolder(folder: FolderRef): Promise<FolderState>;
  /** The bytes of these messages of the folder just read, in the order given. */
  readMessages(folder: FolderState, uids: readonly number[]): AsyncIterable<MessageBytes>;
  close(): Promise<void>;
}

/** The admin form of an internal name: `example.com!user.alice` -> `user.alice@example.com`. */
export function adminName(internal: string): string {
  const bang = internal.indexOf('!');
  return bang > 0 ? `${internal.slice(bang + 1)}@${internal.slice(0, bang)}` : internal;
}

/** Whether a folder (admin form) is one the selector names. */
export function selects(selector: Selector, name: string): boolean {
  switch (selector.kind) {
    case 'all':
      return true;
    case 'mailbox':
    case 'message':
      return sameName(name, selector.name);
    case 'user':
      return parseMailboxName(name).owner === selector.login;
  }
}

/** `user/alice/Sent` and `user.alice.Sent` name the same folder when the other separator is absent. */
function sameName(a: string, b: string): boolean {
  if (a === b) return true;
  return !a.includes('/') && b.includes('/') && !b.includes('.') && a === b.replaceAll('/', '.');
}

/** Parses `--message <mailbox>:<uid>` (the last colon splits). Undefined when malformed. */
export function parseMessageSelector(text: string): {name: string; uid: number} | undefined {
  const colon = text.lastIndexOf(':');
  if (colon <= 0) return undefined;
  const uid = text.slice(colon + 1);
  if (!/^[1-9]\d*$/.test(uid) || Number(uid) > 0xffffffff) return undefined;
  return {name: text.slice(0, colon), uid: Number(uid)};
}
