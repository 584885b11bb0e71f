/**
 * The spool as a {@link FolderSource}: folders from the partitions' `cyrus.header` files, their state
 * from `cyrus.index` (lib/cyrus), message bytes from the `<UID>.` files. Needs the cyrus user (files are
 * mode 0600); reads nothing over the network and needs no password. Sees what IMAP cannot: messages
 * expunged but not yet removed by cyr_expire, and deleted folders awaiting cleanup (`DELETED.user...`).
 */
import {readFileSync} from 'node:fs';
import {join} from 'node:path';
import {readMailboxHeader} from '../../sources/cyrus/header-file.js';
import {readMailboxIndex} from '../../sources/cyrus/index-file.js';
import {checkPartitions, listMailboxDirs, mailboxDir} from '../../sources/cyrus/partition.js';
import {BonnieError, errorMessage} from '../../base/errors.js';
import {adminName, selects, type FolderRef, type FolderSource, type FolderState, type MessageBytes, type Selector} from './source.js';

/** Why a message is unrecoverable when its file is gone. */
export const FILE_GONE = 'spool file gone (expunged and cleaned, or folder deleted) before archiving';

interface SpoolFolder extends FolderRef {
  mailboxId: string;
  dir: string;
}

export class SpoolSource implements FolderSource {
  readonly kind = 'spool' as const;
  private readonly dirs = new Map<string, string>();

  constructor(private readonly roots: readonly string[]) {}

  async listFolders(selector: Selector): Promise<FolderRef[]> {
    checkPartitions(this.roots);
    const found: SpoolFolder[] = [];
    for (const onDisk of listMailboxDirs(this.roots)) {
      const header = readHeader(join(onDisk.dir, 'cyrus.header'));
      const name = adminName(header.name);
      if (!selects(selector, name)) continue;
      this.dirs.set(onDisk.mailboxId, onDisk.dir);
      found.push({name, mailboxId: onDisk.mailboxId, dir: onDisk.dir});
    }
    return found.sort((a, b) => a.name.localeCompare(b.name));
  }

  async readFolder(folder: FolderRef): Promise<FolderState> {
    const dir = folder.mailboxId === undefined ? undefined : this.dirs.get(folder.mailboxId);
    if (dir === undefined || folder.mailboxId === undefined) throw new Error(`readFolder: ${folder.name} was not listed by this source`);
    const header = readHeader(join(dir, 'cyrus.header'));
    const index = readSpoolFile(join(dir, 'cyrus.index'), (path) => readMailboxIndex(path, header.userFlags));
    return {
      mailboxId: folder.mailboxId,
      name: folder.name,
      uidValidity: index.header.uidValidity,
      highestModseq: index.header.highestModseq,
      messages: index.records.map((r) => ({
        uid: r.uid,
        flags: r.flags,
        internalDate: r.internalDate,
        size: r.size,
        modseq: r.modseq,
        expunged: r.expunged,
        guid: r.guid,
        ...(r.unlinked ? {gone: FILE_GONE} : {}),
      })),
    };
  }

  async *readMessages(folder: FolderState, uids: readonly number[]): AsyncIterable<MessageBytes> {
    const dir = this.dirs.get(folder.mailboxId);
    if (dir === undefined) throw new Error(`readMessages: ${folder.name} was not listed by this source`);
    // The message files may live in another root than cyrus.header: on an archive partition (Cyrus'
    // archive_enabled moves older files there) or when the metadata has its own metapartition.
    const others = this.roots.map((root) => mailboxDir(root, folder.mailboxId)).filter((d) => d !== dir);
    for (const uid of uids) {
      const bytes = readMessageFile([dir, ...others], `${uid}.`);
      yield bytes === undefined ? {uid, gone: FILE_GONE} : {uid, bytes};
    }
  }

  async close(): Promise<void> {}
}

/** The file `name` from the first of `dirs` that has it; undefined when none has. */
function readMessageFile(dirs: readonly string[], name: string): Buffer | undefined {
  for (const dir of dirs) {
    const path = join(dir, name);
    try {
      return readFileSync(path);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'ENOENT' || code === 'ENOTDIR') continue;
      throw unreadable(path, error);
    }
  }
  return undefined;
}

function readHeader(path: string) {
  return readSpoolFile(path, readMailboxHeader);
}

/** Runs `read` on a folder's metadata file, turning its failures into errors that say what to do. */
function readSpoolFile<T>(path: string, read: (path: string) => T): T {
  try {
    return read(path);
  } catch (error) {
    if (error instanceof BonnieError) throw error;
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EACCES' || code === 'EPERM') throw unreadable(path, error);
    throw new BonnieError('SpoolDamaged', errorMessage(error), {cause: error, hint: "Check the folder with Cyrus' reconstruct, or archive it with --from imap."});
  }
}

function unreadable(path: string, error: unknown): BonnieError {
  const code = (error as NodeJS.ErrnoException).code;
  return new BonnieError('SpoolUnreadable', `cannot read ${path}: ${errorMessage(error)}`, {
    cause: error,
    hint:
      code === 'EACCES' || code === 'EPERM'
        ? "Cyrus' spool is readable by the cyrus user only: run bonnie archive as the cyrus user (e.g. sudo -u cyrus bonnie archive ...), or use --from imap."
        : "Check the file and the disk (Cyrus' reconstruct repairs a folder), or archive the folder with --from imap.",
  });
}
