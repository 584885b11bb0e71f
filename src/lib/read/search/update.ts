/**
 * Keeping the search index current from the catalog alone: what `bonnie search` runs before each query
 * (unless --no-update), and the full rebuild of --reindex.
 *
 * Incremental, from watermarks (search_state, search_segment), cheap when nothing changed (a few indexed
 * reads). New places come from
 * - the collector's jobs done since the oldest job that was still pending last time;
 * - the links of folders with a new snapshot (`bonnie archive` records one after linking a folder's mail);
 * - blobs appended to the archive since the last update (each segment's offsets only grow), with every
 *   place linked to them.
 * Places already indexed get their metadata refreshed from
 * - the record's changes since the last one applied: a message's flags, expunge, copy or move (its source
 *   too), a folder's rename or deletion;
 * - new snapshots: every place of the folder.
 * The one place this misses (a link to a blob indexed before, in a folder that gets no new snapshot: a
 * `bonnie archive --message` of a copy, or a run that stopped between linking and its snapshot) is added by
 * the writers' hook (indexer.ts) or by --reindex.
 *
 * A full build (the first update, or --reindex) walks every blob of the archive index with its places.
 * After it (or after a large catch-up) FTS5's segments are merged into one, in short steps.
 * Watermarks are taken before the work starts and saved after it: what happens meanwhile is seen next time.
 */
import type {Catalog, Db} from '../../base/catalog/catalog.js';
import {CollectJobReader} from '../../pipeline/collect/jobs.js';
import {ChangeReader} from '../../pipeline/record/read-changes.js';
import {SnapshotReader} from '../../pipeline/snapshot/repository.js';
import {ArchiveIndex, ArchiveIndexReader} from '../../store/archive/index/repository.js';
import {ArchiveReader} from '../../store/archive/reader.js';
import {BonnieError} from '../../base/errors.js';
import {LocationFacts} from './facts.js';
import {groupByBlob, indexDocs, type IndexLocation, type PendingDoc} from './indexer.js';
import {SearchIndex, searchIndexMissing, type SearchState} from './search-index.js';

/** Contents parsed per write transaction (and bytes read at most before one). */
const DOCS_PER_BATCH = 200;
const BYTES_PER_BATCH = 32 * 1024 * 1024;
/** Places whose metadata is refreshed per write transaction. */
const REFRESH_PER_BATCH = 2000;
/** After a rebuild, or an update that added this many contents, FTS5's segments are merged, MERGE_PAGES pages per transaction. */
const MERGE_AFTER_DOCS = 10_000;
const MERGE_PAGES = 500;
/** Rows deleted per transaction by --reindex. */
const DELETE_PER_BATCH = 20_000;

export interface UpdateOptions {
  /** Drop the index and build it again from the archive. */
  reindex?: boolean;
  now?: () => number;
  onProgress?: (progress: UpdateProgress) => void;
}

export interface UpdateProgress {
  phase: 'index' | 'refresh';
  /** Contents (index) or places (refresh) handled so far, of `total`. */
  done: number;
  total: number;
  elapsedMs: number;
}

export interface UpdateSummary {
  /** Whether the index was built from scratch (first use, or --reindex). */
  rebuilt: boolean;
  /** Places added. */
  locations: number;
  /** Contents parsed and added. */
  docs: number;
  /** Of those, contents whose text could not be indexed. */
  problems: number;
  /** Places whose flags, folder or deletion were brought up to date. */
  refreshed: number;
  elapsedMs: number;
}

type Marks = Pick<SearchState, 'changeId' | 'snapshotId' | 'jobId'>;

/** Brings the search index up to date with the catalog (see the module comment). */
export async function updateSearch(catalog: Catalog, archiveDir: string, options: UpdateOptions = {}): Promise<UpdateSummary> {
  const db = catalog.db;
  const now = options.now ?? Date.now;
  const started = now();
  if (!SearchIndex.exists(db)) throw searchIndexMissing();
  const index = new SearchIndex(db);
  const marks = currentMarks(db);
  const segments = new ArchiveIndexReader(db).segmentTops();
  const state = index.state();
  const summary: UpdateSummary = {rebuilt: options.reindex === true || state.builtAt === null, locations: 0, docs: 0, problems: 0, refreshed: 0, elapsedMs: 0};
  const progress = (phase: UpdateProgress['phase'], done: number, total: number) => options.onProgress?.({phase, done, total, elapsedMs: now() - started});

  const reader = new ArchiveReader(catalog, archiveDir);
  try {
    if (summary.rebuilt) {
      // In slices: one long transaction would keep the dealer and `bonnie process` waiting.
      while (db.transaction(() => index.deleteSome(DELETE_PER_BATCH)).immediate() > 0);
      db.transaction(() => index.reset(marks)).immediate();
      await indexAllBlobs(db, reader, summary, now, progress);
    } else {
      // Places added from here on are computed from the catalog as it is: refreshing them again would be waste.
      const known = index.lastItemId();
      const pending = newLocations(db, index, state, marks, segments);
      await indexGroups(db, reader, groupByBlob(pending), summary, now, progress);
      refresh(db, index, state, marks, known, summary, progress);
    }
  } finally {
    reader.close();
  }
  if (summary.rebuilt || summary.docs >= MERGE_AFTER_DOCS) {
    // Short steps: the dealer and `bonnie process` wait at most one of them.
    while (db.transaction(() => index.mergeText(MERGE_PAGES)).immediate());
  }
  const marked = index.segmentMarks();
  const moved = marks.changeId !== state.changeId || marks.snapshotId !== state.snapshotId || marks.jobId !== state.jobId || [...segments].some(([id, top]) => marked.get(id) !== top);
  // Nothing new: no write (a search on an idle catalog stays a read).
  if (moved || summary.rebuilt) {
    db.transaction(() => {
      index.advance(marks);
      for (const [segmentId, top] of segments) index.markSegment(segmentId, top);
      if (summary.rebuilt) index.built(now());
    }).immediate();
  }
  summary.elapsedMs = now() - started;
  return summary;
}

function currentMarks(db: Db): Marks {
  return {changeId: new ChangeReader(db).lastId(), snapshotId: new SnapshotReader(db).lastId(), jobId: new CollectJobReader(db).resumeFrom()};
}

function newLocations(db: Db, index: SearchIndex, state: SearchState, marks: Marks, segments: Map<string, number>): IndexLocation[] {
  const found = new Map<string, IndexLocation>();
  const add = (place: IndexLocation) => {
    const key = `${place.mailboxId}\u0000${place.uidValidity}\u0000${place.uid}`;
    if (found.has(key)) return;
    const folderId = index.folderId(place.mailboxId);
    if (folderId !== undefined && index.itemId(folderId, place.uidValidity, place.uid) !== undefined) return;
    found.set(key, {mailboxId: place.mailboxId, uidValidity: place.uidValidity, uid: place.uid, sha256: place.sha256});
  };
  for (const job of new CollectJobReader(db).doneFrom(state.jobId)) add(job);

  const snapshots = new SnapshotReader(db);
  for (const f of snapshots.foldersSince(state.snapshotId, marks.snapshotId)) for (const link of snapshots.linkedByArchive(f.mailboxId, f.uidValidity)) add(link);

  const marked = index.segmentMarks();
  const blobs = new ArchiveIndexReader(db);
  for (const [segmentId, top] of segments) {
    const mark = marked.get(segmentId) ?? -1;
    if (top <= mark) continue;
    for (const sha256 of blobs.blobsBetween(segmentId, mark, top)) for (const place of snapshots.placesOf(sha256)) add(place);
  }
  return [...found.values()];
}

/** Reads, parses and indexes the contents of `groups` (places by blob hex), in batches. */
async function indexGroups(db: Db, reader: ArchiveReader, groups: Map<string, IndexLocation[]>, summary: UpdateSummary, now: () => number, progress: (phase: 'index', done: number, total: number) => void): Promise<void> {
  const index = new SearchIndex(db);
  let batch: PendingDoc[] = [];
  let bytes = 0;
  let done = 0;
  const flush = async () => {
    if (batch.length === 0) return;
    const added = await indexDocs(db, batch, now());
    summary.locations += added.locations;
    summary.docs += added.docs;
    summary.problems += added.problems;
    done += batch.length;
    batch = [];
    bytes = 0;
    progress('index', done, groups.size);
  };
  for (const locations of groups.values()) {
    const sha256 = (locations[0] as IndexLocation).sha256;
    const pending = index.docId(sha256) !== undefined ? {sha256, locations, bytes: undefined} : readDoc(db, reader, sha256, locations);
    batch.push(pending);
    bytes += pending.bytes?.length ?? 0;
    if (batch.length >= DOCS_PER_BATCH || bytes >= BYTES_PER_BATCH) await flush();
  }
  await flush();
}

function readDoc(db: Db, reader: ArchiveReader, sha256: Buffer, locations: IndexLocation[]): PendingDoc {
  try {
    return {sha256, locations, bytes: reader.readBlob(sha256)};
  } catch (error) {
    if (!(error instanceof BonnieError)) throw error;
    const size = new ArchiveIndex(db).getBlob(sha256)?.originalLength ?? 0;
    return {sha256, locations, bytes: undefined, size, problem: `${error.code}: ${error.message}`};
  }
}

/** Every blob of the archive index with its places, in pages (the blobs' order: by SHA-256). */
async function indexAllBlobs(db: Db, reader: ArchiveReader, summary: UpdateSummary, now: () => number, progress: (phase: 'index', done: number, total: number) => void): Promise<void> {
  const blobs = new ArchiveIndexReader(db);
  const snapshots = new SnapshotReader(db);
  const total = blobs.countBlobs();
  let after: Buffer = Buffer.alloc(0);
  let seen = 0;
  for (;;) {
    const page = blobs.blobPage(after, 1000);
    if (page.length === 0) break;
    after = page.at(-1) as Buffer;
    const groups = new Map<string, IndexLocation[]>();
    for (const sha256 of page) {
      const places = distinctPlaces(snapshots.placesOf(sha256));
      if (places.length > 0) groups.set(sha256.toString('hex'), places);
    }
    const base = seen;
    await indexGroups(db, reader, groups, summary, now, (phase, done) => progress(phase, base + done, total));
    seen += page.length;
    progress('index', seen, total);
  }
}

/** Brings flags, deletion and folders of places already indexed up to date with changes and snapshots since the watermarks. */
function refresh(db: Db, index: SearchIndex, state: SearchState, marks: Marks, known: number, summary: UpdateSummary, progress: (phase: 'refresh', done: number, total: number) => void): void {
  const wholeFolders = new Set(new SnapshotReader(db).foldersSince(state.snapshotId, marks.snapshotId).map((f) => f.mailboxId));
  const folders = new Set<string>();
  const places = new Map<string, {mailboxId: string; uidValidity: number | null; uid: number}>();
  const changes = new ChangeReader(db).changedPlaces(state.changeId, marks.changeId);
  const place = (mailboxId: string | null, uidValidity: number | null, uid: number | null) => {
    if (mailboxId !== null && uid !== null && !wholeFolders.has(mailboxId)) places.set(`${mailboxId}\u0000${uidValidity}\u0000${uid}`, {mailboxId, uidValidity, uid});
  };
  for (const c of changes) {
    if (c.kind === 'folder' && c.mailbox_id !== null) folders.add(c.mailbox_id);
    place(c.p_mailbox, c.p_validity, c.p_uid);
    place(c.s_mailbox, c.s_validity, c.s_uid);
  }

  // Work list: [folder row id, item id, uidValidity, uid] per place, built inside each batch's transaction.
  const total = places.size + folders.size + wholeFolders.size;
  let done = 0;
  const run = (work: () => void) => db.transaction(work).immediate();
  const byPlace = db.prepare<[number, number], {id: number; uid_validity: number}>('SELECT id, uid_validity FROM search_item WHERE folder_id = ? AND uid = ?');
  const queue = [...places.values()];
  while (queue.length > 0) {
    const slice = queue.splice(0, REFRESH_PER_BATCH);
    run(() => {
      const facts = new LocationFacts(db);
      for (const p of slice) {
        const folderId = index.folderId(p.mailboxId);
        if (folderId === undefined) continue;
        const folder = facts.folder(p.mailboxId);
        const {changed} = index.saveFolder(folder);
        if (changed) wholeFolders.add(p.mailboxId);
        const items = p.uidValidity === null ? byPlace.all(folderId, p.uid) : [{id: index.itemId(folderId, p.uidValidity, p.uid), uid_validity: p.uidValidity}];
        for (const item of items) {
          if (item.id === undefined || item.id > known) continue;
          index.updateItem(item.id, folder.owner, facts.item(folder, item.uid_validity, p.uid));
          summary.refreshed++;
        }
      }
    });
    done += slice.length;
    progress('refresh', done, total);
  }
  run(() => {
    const facts = new LocationFacts(db);
    for (const mailboxId of folders) {
      if (index.folderId(mailboxId) !== undefined && index.saveFolder(facts.folder(mailboxId)).changed) wholeFolders.add(mailboxId);
    }
  });
  for (const mailboxId of wholeFolders) {
    const folderId = index.folderId(mailboxId);
    if (folderId === undefined) continue;
    const items = index.itemsOfFolder(folderId, known);
    for (let at = 0; at < items.length; at += REFRESH_PER_BATCH) {
      run(() => {
        const facts = new LocationFacts(db);
        const folder = facts.folder(mailboxId);
        index.saveFolder(folder);
        for (const item of items.slice(at, at + REFRESH_PER_BATCH)) {
          index.updateItem(item.id, folder.owner, facts.item(folder, item.uidValidity, item.uid));
          summary.refreshed++;
        }
      });
    }
    progress('refresh', ++done, total);
  }
}

/** Each place once (the collector and `bonnie archive` may both have linked it). */
function distinctPlaces(places: readonly IndexLocation[]): IndexLocation[] {
  const seen = new Map<string, IndexLocation>();
  for (const p of places) {
    const key = `${p.mailboxId}\u0000${p.uidValidity}\u0000${p.uid}`;
    if (!seen.has(key)) seen.set(key, {mailboxId: p.mailboxId, uidValidity: p.uidValidity, uid: p.uid, sha256: p.sha256});
  }
  return [...seen.values()];
}
