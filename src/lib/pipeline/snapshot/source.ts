/**
 * Where `bonnie archive` reads existing mail from: a {@link FolderSource} lists the folders a selector
 * names, reads one folder's state (UIDs, flags, internal dates, sizes, modseqs) and the bytes of its
 * messages. Two sources: the spool (spool-source.ts, Cyrus' own files, on the IMAP host as the cyrus user)
 * and IMAP (imap-source.ts, as an admin acting as each user).
 *
 * Folder names are the admin form events use: `user.alice`, `user.alice.Sent`, `user.alice@example.com`.
 * The nouns are core's: {@link FolderRef} (core/folder.ts) and {@link Selector} (core/selector.ts),
 * re-exported here for the sources.
 */
import type {FolderRef} from '../../core/folder.js';
import type {Selector} from '../../core/selector.js';

export {adminName, type FolderRef} from '../../core/folder.js';
export {selects, type Selector} from '../../core/selector.js';

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
