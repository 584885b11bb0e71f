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
  const segments = segmentTops(db);
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
  const max = (sql: string) => db.prepare<[], {n: number | null}>(sql).get()?.n ?? 0;
  const pending = db.prepare<[], {n: number | null}>("SELECT min(id) AS n FROM collect_job WHERE state = 'pending'").get()?.n ?? null;
  return {changeId: max('SELECT max(id) AS n FROM change'), snapshotId: max('SELECT max(id) AS n FROM snapshot'), jobId: pending ?? max('SELECT max(id) AS n FROM collect_job') + 1};
}

/** Each segment's last blob offset now. */
function segmentTops(db: Db): Map<string, number> {
  const rows = db.prepare<[], {id: string; top: number | null}>('SELECT s.id, (SELECT max(b.header_offset) FROM blob b WHERE b.segment_id = s.id) AS top FROM segment s').all();
  return new Map(rows.filter((r) => r.top !== null).map((r) => [r.id, r.top as number]));
}

function newLocations(db: Db, index: SearchIndex, state: SearchState, marks: Marks, segments: Map<string, number>): IndexLocation[] {
  const found = new Map<string, IndexLocation>();
  const add = (mailboxId: string, uidValidity: number, uid: number, sha256: Buffer) => {
    const key = `${mailboxId}\u0000${uidValidity}\u0000${uid}`;
    if (found.has(key)) return;
    const folderId = index.folderId(mailboxId);
    if (folderId !== undefined && index.itemId(folderId, uidValidity, uid) !== undefined) return;
    found.set(key, {mailboxId, uidValidity, uid, sha256});
  };
  type Row = {mailbox_id: string; uid_validity: number; uid: number; sha256: Buffer};
  const jobs = db.prepare<[number], Row>("SELECT mailbox_id, uid_validity, uid, sha256 FROM collect_job WHERE id >= ? AND state = 'done' ORDER BY id").all(state.jobId);
  for (const r of jobs) add(r.mailbox_id, r.uid_validity, r.uid, r.sha256);

  const folders = db.prepare<[number, number], {mailbox_id: string; uid_validity: number}>('SELECT DISTINCT mailbox_id, uid_validity FROM snapshot WHERE id > ? AND id <= ?').all(state.snapshotId, marks.snapshotId);
  const links = db.prepare<[string, number], Row>('SELECT mailbox_id, uid_validity, uid, sha256 FROM message_link WHERE mailbox_id = ? AND uid_validity = ? AND sha256 IS NOT NULL');
  for (const f of folders) for (const r of links.all(f.mailbox_id, f.uid_validity)) add(r.mailbox_id, r.uid_validity, r.uid, r.sha256);

  const marked = index.segmentMarks();
  const blobsAfter = db.prepare<[string, number, number], {sha256: Buffer}>('SELECT sha256 FROM blob WHERE segment_id = ? AND header_offset > ? AND header_offset <= ? ORDER BY header_offset');
  const placesOf = db.prepare<[Buffer], Row>('SELECT mailbox_id, uid_validity, uid, sha256 FROM archived_message WHERE sha256 = ?');
  for (const [segmentId, top] of segments) {
    const mark = marked.get(segmentId) ?? -1;
    if (top <= mark) continue;
    for (const blob of blobsAfter.all(segmentId, mark, top)) for (const r of placesOf.all(blob.sha256)) add(r.mailbox_id, r.uid_validity, r.uid, r.sha256);
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
    const size = db.prepare<[Buffer], {n: number}>('SELECT original_length AS n FROM blob WHERE sha256 = ?').get(sha256)?.n ?? 0;
    return {sha256, locations, bytes: undefined, size, problem: `${error.code}: ${error.message}`};
  }
}

/** Every blob of the archive index with its places, in pages (the blobs' order: by SHA-256). */
async function indexAllBlobs(db: Db, reader: ArchiveReader, summary: UpdateSummary, now: () => number, progress: (phase: 'index', done: number, total: number) => void): Promise<void> {
  const total = db.prepare<[], {n: number}>('SELECT count(*) AS n FROM blob').get()?.n ?? 0;
  const page = db.prepare<[Buffer], {sha256: Buffer}>('SELECT sha256 FROM blob WHERE sha256 > ? ORDER BY sha256 LIMIT 1000');
  type Row = {mailbox_id: string; uid_validity: number; uid: number; sha256: Buffer};
  const placesOf = db.prepare<[Buffer], Row>('SELECT DISTINCT mailbox_id, uid_validity, uid, sha256 FROM archived_message WHERE sha256 = ?');
  let after: Buffer = Buffer.alloc(0);
  let seen = 0;
  for (;;) {
    const blobs = page.all(after);
    if (blobs.length === 0) break;
    after = (blobs.at(-1) as {sha256: Buffer}).sha256;
    const groups = new Map<string, IndexLocation[]>();
    for (const b of blobs) {
      const places = placesOf.all(b.sha256).map((r) => ({mailboxId: r.mailbox_id, uidValidity: r.uid_validity, uid: r.uid, sha256: r.sha256}));
      if (places.length > 0) groups.set(b.sha256.toString('hex'), places);
    }
    const base = seen;
    await indexGroups(db, reader, groups, summary, now, (phase, done) => progress(phase, base + done, total));
    seen += blobs.length;
    progress('index', seen, total);
  }
}

/** Brings flags, deletion and folders of places already indexed up to date with changes and snapshots since the watermarks. */
function refresh(db: Db, index: SearchIndex, state: SearchState, marks: Marks, known: number, summary: UpdateSummary, progress: (phase: 'refresh', done: number, total: number) => void): void {
  const wholeFolders = new Set(db.prepare<[number, number], {mailbox_id: string}>('SELECT DISTINCT mailbox_id FROM snapshot WHERE id > ? AND id <= ?').all(state.snapshotId, marks.snapshotId).map((r) => r.mailbox_id));
  const folders = new Set<string>();
  const places = new Map<string, {mailboxId: string; uidValidity: number | null; uid: number}>();
  const changes = db
    .prepare<[number, number], {kind: string; mailbox_id: string | null; p_mailbox: string | null; p_validity: number | null; p_uid: number | null; s_mailbox: string | null; s_validity: number | null; s_uid: number | null}>(
      `SELECT c.kind, c.mailbox_id, p.mailbox_id AS p_mailbox, p.uid_validity AS p_validity, p.uid AS p_uid, s.mailbox_id AS s_mailbox, s.uid_validity AS s_validity, s.uid AS s_uid
       FROM change c LEFT JOIN placement p ON p.id = c.placement_id LEFT JOIN placement s ON s.id = p.source_placement_id AND c.action = 'moved'
       WHERE c.id > ? AND c.id <= ? AND c.kind IN ('message', 'folder')`,
    )
    .all(state.changeId, marks.changeId);
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
