/**
 * `bonnie archive`: archives mail that already exists, folder by folder. For each folder the selector
 * names: read its state from the source; store the bytes of every message not yet linked to a sound blob
 * (incremental: a message archived before, by this command or the collector, is not read again, since a
 * UID's bytes never change in Cyrus); link each message to its blob, or record why its bytes are gone;
 * then record the folder's snapshot, unless nothing changed since the last one.
 *
 * Contracts: links are written only after the archive writer committed (fsynced, read back, indexed)
 * their blobs, and a folder's snapshot after its links; a crash leaves at worst blobs without links, which
 * the next run links without storing them again. One archive writer at a time (the archive lock).
 *
 * Throughput: hashing, zstd and the read-back check run on worker threads while this thread reads and
 * writes; a commit serves many small folders and runs while the next batch is read.
 */
import {availableParallelism} from 'node:os';
import type {Catalog} from '../../base/catalog/catalog.js';
import {ArchiveWriter} from '../../store/archive/store.js';
import {ArchiveIndex} from '../../store/archive/index/repository.js';
import {BonnieError} from '../../base/errors.js';
import {SnapshotRepository, unchangedSince, type LinkRow} from './repository.js';
import {writeSegmentRecord} from './segment-record.js';
import {placementOf} from '../../core/selector.js';
import type {FolderSource, FolderState, MessageState, Selector} from './source.js';

/** Commit the archive and write links after this many messages or bytes read. */
const COMMIT_MESSAGES = 1000;
const COMMIT_BYTES = 64 * 1024 * 1024;
/** Also commit once the folders waiting for their snapshot hold this many messages, or are this many. */
const COMMIT_FOLDER_MESSAGES = 100_000;
const COMMIT_FOLDERS = 1000;
/** Hashing and zstd run on this many worker threads (at most), while this thread reads and writes. */
const MAX_WORKERS = 4;
/**
 * Puts in progress at once, at most, and their bytes: what they hold in memory. Appends keep the order of
 * the puts, so a large message holds back the ones after it: room for many.
 */
const IN_FLIGHT_MESSAGES = 48;
const IN_FLIGHT_BYTES = 64 * 1024 * 1024;

export interface ArchiveOptions {
  archiveDir: string;
  now?: () => number;
  /** Called after each commit and at each folder's end. */
  onProgress?: (progress: ArchiveProgress) => void;
  /** Called for each warning (a file that does not match Cyrus' checksum). */
  warn?: (message: string) => void;
}

export interface ArchiveProgress {
  folder: string;
  /** 1-based index of the folder being archived. */
  folderIndex: number;
  folders: number;
  /** Messages handled so far (read, already archived, or gone). */
  messages: number;
  /** Bytes read from the source so far. */
  bytesRead: number;
  elapsedMs: number;
}

export interface ArchiveSummary {
  source: 'spool' | 'imap';
  folders: number;
  /** Folders unchanged since their last snapshot (no new snapshot). */
  foldersUnchanged: number;
  snapshots: number;
  /** Messages in the folders (expunged ones still on disk included). */
  messages: number;
  /** Messages whose bytes were read now. */
  read: number;
  /** Of those, stored as new blobs. */
  stored: number;
  /** Of those, already in the archive (the same message in another folder or mailbox). */
  alreadyStored: number;
  /** Messages linked to a sound blob by an earlier run or the collector: not read. */
  alreadyArchived: number;
  /** Messages whose bytes were gone, recorded with the reason. */
  unrecoverable: number;
  /** Files whose SHA-1 differs from Cyrus' GUID for them (stored as found, and reported). */
  checksumMismatches: number;
  bytesRead: number;
  bytesStored: number;
  elapsedMs: number;
}

/** Archives the folders `selector` names from `source` into the archive and the catalog. */
export async function archiveFolders(catalog: Catalog, source: FolderSource, selector: Selector, options: ArchiveOptions): Promise<ArchiveSummary> {
  const now = options.now ?? Date.now;
  const started = now();
  const repo = new SnapshotRepository(catalog.db);
  const index = new ArchiveIndex(catalog.db);
  const summary: ArchiveSummary = {source: source.kind, folders: 0, foldersUnchanged: 0, snapshots: 0, messages: 0, read: 0, stored: 0, alreadyStored: 0, alreadyArchived: 0, unrecoverable: 0, checksumMismatches: 0, bytesRead: 0, bytesStored: 0, elapsedMs: 0};
  const folders = await source.listFolders(selector);
  if (folders.length === 0) throw nothingSelected(selector, source.kind);

  // Links and snapshots wait for the commit that makes their blobs durable; one commit (fsync, read back,
  // one catalog transaction) serves as many folders as fit in a batch, since most folders are small.
  const waiting: Array<{state: FolderState; links: LinkRow[]; snapshot: boolean}> = [];
  let batchMessages = 0;
  let batchBytes = 0;
  let waitingMessages = 0;
  const writer = ArchiveWriter.open(catalog, options.archiveDir, {now, workers: Math.min(MAX_WORKERS, availableParallelism())});
  // Puts in flight, oldest first: each records its outcome (summary, link) when it resolves.
  const inFlight: Array<{done: Promise<void>; bytes: number}> = [];
  let inFlightBytes = 0;
  const awaitOldest = async () => {
    const oldest = inFlight.shift();
    if (oldest === undefined) return;
    inFlightBytes -= oldest.bytes;
    await oldest.done;
  };
  // The last commit: its links and snapshots are written once the writer committed its blobs. It runs
  // while the next batch is read; a commit waits for the one before it, so one is outstanding at most.
  let committed: Promise<void> = Promise.resolve();
  const commit = async () => {
    while (inFlight.length > 0) await awaitOldest();
    const entries = waiting.splice(0);
    batchMessages = 0;
    batchBytes = 0;
    waitingMessages = 0;
    const previous = committed;
    const blobs = writer.commitAsync();
    committed = (async () => {
      await previous;
      await blobs;
      writeLinks(entries);
    })();
    committed.catch(() => undefined); // awaited by the next commit or at the end
    await previous;
  };
  const writeLinks = (entries: typeof waiting) => {
    catalog.db.transaction(() => {
      for (const w of entries) {
        if (w.links.length > 0) repo.link(w.state.mailboxId, w.state.uidValidity, source.kind, w.links, now());
        if (!w.snapshot) continue;
        if (unchangedSince(repo.latest(w.state.mailboxId), w.state)) summary.foldersUnchanged++;
        else {
          repo.record(w.state, source.kind, now());
          summary.snapshots++;
        }
      }
    })();
  };
  try {
    for (const [i, folder] of folders.entries()) {
      const report = () => options.onProgress?.({folder: folder.name, folderIndex: i + 1, folders: folders.length, messages: summary.messages, bytesRead: summary.bytesRead, elapsedMs: now() - started});
      const state = await source.readFolder(folder);
      const messages = selector.kind === 'message' ? onlyMessage(state, placementOf(selector).uid) : state.messages;
      summary.folders++;
      summary.messages += messages.length;

      const links = repo.links(state.mailboxId, state.uidValidity);
      // Pruned by a retention rule: the mailbox may still hold them, the archive must not take them back.
      const pruned = repo.prunedUids(state.mailboxId, state.uidValidity);
      let entry = {state, links: [] as LinkRow[], snapshot: false};
      waiting.push(entry);
      waitingMessages += state.messages.length;
      const toRead: MessageState[] = [];
      for (const m of messages) {
        const linked = links.get(m.uid);
        // A blob not live (its segment broken) may be on its way back: stored again, from another folder,
        // since the last commit. Rare: then the puts in flight are awaited to know.
        if (linked !== undefined && !index.hasLiveBlob(linked)) while (inFlight.length > 0) await awaitOldest();
        if (linked !== undefined && writer.holdsBlob(linked)) summary.alreadyArchived++;
        else if (linked === undefined && pruned.has(m.uid)) continue;
        else if (m.gone !== undefined) {
          summary.unrecoverable++;
          entry.links.push({uid: m.uid, sha256: null, reason: m.gone});
        } else toRead.push(m);
      }

      const byUid = new Map(toRead.map((m) => [m.uid, m]));
      for await (const got of source.readMessages(state, toRead.map((m) => m.uid))) {
        if ('gone' in got) {
          summary.unrecoverable++;
          entry.links.push({uid: got.uid, sha256: null, reason: got.gone});
        } else {
          const expected = byUid.get(got.uid)?.guid;
          const guid = expected !== undefined && !/^0+$/.test(expected) ? expected : undefined;
          summary.read++;
          summary.bytesRead += got.bytes.length;
          batchBytes += got.bytes.length;
          const links = entry.links;
          const uid = got.uid;
          const length = got.bytes.length;
          // putAsync takes the bytes (they move to a worker thread): nothing below reads them.
          const done = writer.putAsync(got.bytes, guid === undefined ? {} : {digest: 'sha1'}).then((put) => {
            if (guid !== undefined && put.digest?.toString('hex') !== guid) {
              summary.checksumMismatches++;
              options.warn?.(`${state.name} UID ${uid}: the file's SHA-1 differs from Cyrus' GUID ${guid}; archived as found`);
            }
            if (put.stored) {
              summary.stored++;
              summary.bytesStored += put.storedLength;
            } else summary.alreadyStored++;
            links.push({uid, sha256: put.id, reason: null});
          });
          // Awaited in order below; until then, a rejection must not count as unhandled.
          done.catch(() => undefined);
          inFlight.push({done, bytes: length});
          inFlightBytes += length;
          while (inFlight.length > IN_FLIGHT_MESSAGES || inFlightBytes > IN_FLIGHT_BYTES) await awaitOldest();
        }
        if (++batchMessages >= COMMIT_MESSAGES || batchBytes >= COMMIT_BYTES) {
          await commit();
          report();
          entry = {state, links: [], snapshot: false};
          waiting.push(entry);
        }
      }
      entry.snapshot = selector.kind !== 'message';
      // Folder states wait in memory too: bound them, for runs that read little (incremental ones).
      if (waitingMessages >= COMMIT_FOLDER_MESSAGES || waiting.length >= COMMIT_FOLDERS) await commit();
      report();
    }
    await commit();
    await committed;
    // Archive format 2: the record, snapshots and links the segments do not carry yet (issue 19).
    await writer.settle();
    writeSegmentRecord(catalog, writer);
  } finally {
    await writer.settle();
    writer.close();
  }
  summary.elapsedMs = now() - started;
  return summary;
}

function onlyMessage(state: FolderState, uid: number): MessageState[] {
  const found = state.messages.filter((m) => m.uid === uid);
  if (found.length === 0) {
    throw new BonnieError('MessageNotFound', `${state.name} has no message with UID ${uid}`, {
      hint: `Its UIDs run from ${state.messages[0]?.uid ?? '-'} to ${state.messages.at(-1)?.uid ?? '-'}; "bonnie history --mailbox ${state.name}" shows what happened to it.`,
    });
  }
  return found;
}

function nothingSelected(selector: Selector, source: 'spool' | 'imap'): BonnieError {
  const what = selector.kind === 'all' ? 'no folder' : selector.kind === 'user' ? `no folder of user ${selector.login}` : `no folder named ${selector.kind === 'message' ? placementOf(selector).folder : selector.name}`;
  return new BonnieError('NothingToArchive', `${what} was found ${source === 'spool' ? 'in the spool' : 'on the IMAP server'}`, {
    hint:
      selector.kind === 'all'
        ? 'Check spool (and partitions), or imap_url with --from imap.'
        : 'Names are the admin form, as in events and "bonnie history": user.alice, user.alice.Sent, user.alice@example.com with virtual domains.',
  });
}
