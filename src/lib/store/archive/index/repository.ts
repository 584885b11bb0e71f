/**
 * The archive index: which segment holds each blob, and where. Statements are prepared once per
 * repository. Every multi-row write runs in one transaction.
 */
import type {Db} from '../../../base/catalog/catalog.js';
import {BonnieError} from '../../../base/errors.js';
import type {BlobId} from '../blob/blob.js';

/** On-disk format version written in `segment.format` and the archive's version file (docs/FORMAT.md). */
export const ARCHIVE_FORMAT_VERSION = 3;

/** Every segment format this bonnie reads (docs/FORMAT.md, "Format versions"): 1 (blobs only), 2 (and the record), 3 (and split messages). */
export const READABLE_ARCHIVE_FORMATS: ReadonlySet<number> = new Set([1, 2, ARCHIVE_FORMAT_VERSION]);

/**
 * The types of members other than blobs (archive format 2, docs/FORMAT.md): the record, snapshots, links;
 * since migration 22 also the catalog's other evidence, each a range of its owner's ids ({@link CARRIED_KINDS}).
 */
export type MemberKind = 'record' | 'snapshot' | 'links' | CarriedKind;

/** Members of JSON lines, each a row of one table by id (migration 22): what a rebuilt catalog lacked before. */
export const CARRIED_KINDS = ['policy', 'prune-plans', 'tombstones', 'alerts', 'alert-acks', 'quarantine', 'queue-actions'] as const;
export type CarriedKind = (typeof CARRIED_KINDS)[number];

/** A member row (segment_member): where one non-blob member is, and what it covers. */
export interface MemberRecord {
  segmentId: string;
  headerOffset: number;
  dataOffset: number;
  storedLength: number;
  originalLength: number;
  /** SHA-256 of the uncompressed content. */
  sha256: Buffer;
  kind: MemberKind;
  firstId: number;
  lastId: number;
  storedAt: number;
}

interface MemberRow {
  segment_id: string;
  header_offset: number;
  data_offset: number;
  stored_length: number;
  original_length: number;
  sha256: Buffer;
  kind: MemberKind;
  first_id: number;
  last_id: number;
  stored_at: number;
}

const MEMBER_COLUMNS = 'segment_id, header_offset, data_offset, stored_length, original_length, sha256, kind, first_id, last_id, stored_at';

export type SegmentState = 'open' | 'closed' | 'broken';

/** A segment row. */
export interface SegmentRecord {
  id: string;
  /** Relative to the archive folder. */
  path: string;
  state: SegmentState;
  format: number;
  createdAt: number;
  closedAt: number | undefined;
  /** Committed length in bytes (see schema.ts). */
  bytes: number;
}

/** A blob row: where one message's frame is. */
export interface BlobRecord {
  id: BlobId;
  segmentId: string;
  headerOffset: number;
  dataOffset: number;
  storedLength: number;
  originalLength: number;
  storedAt: number;
  /** Archive format 3: the member is the message's manifest (`<id>.manifest.zst`), its parts are `parts`. */
  manifest?: boolean;
  /** With `manifest`, when written: the parts it names (blob_part_ref rows). */
  parts?: readonly BlobId[];
}

/** A part blob row (archive format 3): where one MIME part's stored bytes are; `id` is their SHA-256. */
export type PartRecord = Omit<BlobRecord, 'manifest' | 'parts'>;

interface SegmentRow {
  id: string;
  path: string;
  state: SegmentState;
  format: number;
  created_at: number;
  closed_at: number | null;
  bytes: number;
}

interface BlobRow {
  sha256: Buffer;
  segment_id: string;
  header_offset: number;
  data_offset: number;
  stored_length: number;
  original_length: number;
  stored_at: number;
  manifest?: number;
}

const BLOB_COLUMNS = 'sha256, segment_id, header_offset, data_offset, stored_length, original_length, stored_at';

/** Reads and writes the `segment` and `blob` tables. */
export class ArchiveIndex {
  private readonly selectBlob;
  private readonly selectLiveBlob;
  private readonly insertBlob;
  private readonly insertPart;
  private readonly insertRef;
  private readonly selectPart;
  private readonly selectLivePart;
  private readonly selectSegment;

  constructor(readonly db: Db) {
    this.selectBlob = db.prepare<[Buffer], BlobRow>(`SELECT ${BLOB_COLUMNS}, manifest FROM blob WHERE sha256 = ?`);
    // A split message (archive format 3) is live only while every part it names is too: a part in a broken
    // segment makes the writer store the message (and that part) again.
    this.selectLiveBlob = db.prepare<[Buffer], {n: number}>(
      `SELECT 1 AS n FROM blob JOIN segment ON segment.id = blob.segment_id WHERE blob.sha256 = ? AND segment.state != 'broken'
         AND NOT EXISTS (SELECT 1 FROM blob_part_ref r LEFT JOIN blob_part p ON p.sha256 = r.part LEFT JOIN segment ps ON ps.id = p.segment_id
                         WHERE r.message = blob.sha256 AND (p.sha256 IS NULL OR ps.state = 'broken'))`,
    );
    // A blob whose segment is broken may be stored again: the new copy replaces the row.
    this.insertBlob = db.prepare(
      `INSERT INTO blob (${BLOB_COLUMNS}, manifest) VALUES (?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (sha256) DO UPDATE SET segment_id = excluded.segment_id, header_offset = excluded.header_offset,
         data_offset = excluded.data_offset, stored_length = excluded.stored_length, original_length = excluded.original_length,
         stored_at = excluded.stored_at, manifest = excluded.manifest`,
    );
    this.insertPart = db.prepare(
      `INSERT INTO blob_part (${BLOB_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (sha256) DO UPDATE SET segment_id = excluded.segment_id, header_offset = excluded.header_offset,
         data_offset = excluded.data_offset, stored_length = excluded.stored_length, original_length = excluded.original_length,
         stored_at = excluded.stored_at`,
    );
    this.insertRef = db.prepare<[Buffer, Buffer]>('INSERT OR IGNORE INTO blob_part_ref (message, part) VALUES (?, ?)');
    this.selectPart = db.prepare<[Buffer], BlobRow>(`SELECT ${BLOB_COLUMNS} FROM blob_part WHERE sha256 = ?`);
    this.selectLivePart = db.prepare<[Buffer], {n: number}>(
      "SELECT 1 AS n FROM blob_part JOIN segment ON segment.id = blob_part.segment_id WHERE blob_part.sha256 = ? AND segment.state != 'broken'",
    );
    this.selectSegment = db.prepare<[string], SegmentRow>('SELECT id, path, state, format, created_at, closed_at, bytes FROM segment WHERE id = ?');
  }

  /** The blob's row, or undefined when the archive does not hold it. */
  getBlob(id: BlobId): BlobRecord | undefined {
    const row = this.selectBlob.get(id);
    return row === undefined ? undefined : toBlob(row);
  }

  /** True when the blob is indexed in a segment not known to be broken, and so is every part it names (so storing it again is useless). */
  hasLiveBlob(id: BlobId): boolean {
    return this.selectLiveBlob.get(id) !== undefined;
  }

  /** A part blob's row (archive format 3), or undefined. */
  getPart(id: BlobId): PartRecord | undefined {
    const row = this.selectPart.get(id);
    return row === undefined ? undefined : toBlob(row);
  }

  /** True when the part is indexed in a segment not known to be broken (storing it again is useless). */
  hasLivePart(id: BlobId): boolean {
    return this.selectLivePart.get(id) !== undefined;
  }

  /** The part blobs of one segment, in file order. */
  listParts(segmentId: string): PartRecord[] {
    return this.db.prepare<[string], BlobRow>(`SELECT ${BLOB_COLUMNS} FROM blob_part WHERE segment_id = ? ORDER BY header_offset`).all(segmentId).map(toBlob);
  }

  /** The messages (blob ids) whose manifests name this part. */
  partReferrers(part: BlobId): BlobId[] {
    return this.db.prepare<[Buffer], {message: Buffer}>('SELECT message FROM blob_part_ref WHERE part = ? ORDER BY message').all(part).map((r) => r.message);
  }

  /**
   * The parts that no message but those in `dropping` refers to (by blob_part_ref): a prune of those
   * messages drops them too. A part shared with a kept message is never among them.
   */
  partsOnlyReferredBy(dropping: readonly BlobId[]): PartRecord[] {
    if (dropping.length === 0) return [];
    const set = new Set(dropping.map((id) => id.toString('hex')));
    const partsOf = this.db.prepare<[Buffer], {part: Buffer}>('SELECT part FROM blob_part_ref WHERE message = ?');
    const candidates = new Map<string, Buffer>();
    for (const id of dropping) for (const r of partsOf.all(id)) candidates.set(r.part.toString('hex'), r.part);
    const result: PartRecord[] = [];
    for (const part of candidates.values()) {
      if (this.partReferrers(part).some((m) => !set.has(m.toString('hex')))) continue;
      const row = this.getPart(part);
      if (row !== undefined) result.push(row);
    }
    return result;
  }

  /**
   * The parts no message refers to: left by a prune of their last messages while their segment was open or
   * broken (it could not be repacked then), or indexed by a rebuild without the manifest that named them.
   */
  unreferencedParts(): PartRecord[] {
    return this.db.prepare<[], BlobRow>(`SELECT ${BLOB_COLUMNS} FROM blob_part p WHERE NOT EXISTS (SELECT 1 FROM blob_part_ref r WHERE r.part = p.sha256)`).all().map(toBlob);
  }

  getSegment(id: string): SegmentRecord | undefined {
    const row = this.selectSegment.get(id);
    return row === undefined ? undefined : toSegment(row);
  }

  /** Every segment, oldest first. */
  listSegments(): SegmentRecord[] {
    return this.db.prepare<[], SegmentRow>('SELECT id, path, state, format, created_at, closed_at, bytes FROM segment ORDER BY created_at, id').all().map(toSegment);
  }

  /** The blobs of one segment, in file order. */
  listBlobs(segmentId: string): BlobRecord[] {
    return this.db.prepare<[string], BlobRow>(`SELECT ${BLOB_COLUMNS}, manifest FROM blob WHERE segment_id = ? ORDER BY header_offset`).all(segmentId).map(toBlob);
  }

  /** The non-blob members of one segment, in file order. */
  listMembers(segmentId: string): MemberRecord[] {
    return this.db.prepare<[string], MemberRow>(`SELECT ${MEMBER_COLUMNS} FROM segment_member WHERE segment_id = ? ORDER BY header_offset`).all(segmentId).map(toMember);
  }

  /** True when the segment holds an indexed blob, part or member (then it is never removed as empty). */
  holdsAnything(segmentId: string): boolean {
    return (
      this.db
        .prepare<[string, string, string], {n: number}>(
          'SELECT 1 AS n WHERE EXISTS (SELECT 1 FROM blob WHERE segment_id = ?) OR EXISTS (SELECT 1 FROM segment_member WHERE segment_id = ?) OR EXISTS (SELECT 1 FROM blob_part WHERE segment_id = ?)',
        )
        .get(segmentId, segmentId, segmentId) !== undefined
    );
  }

  /** The highest `last_id` of the members of this kind in segments not broken (0: none): what the archive already carries. */
  memberHighWater(kind: MemberKind): number {
    return (
      this.db
        .prepare<[string], {top: number | null}>("SELECT max(m.last_id) AS top FROM segment_member m JOIN segment s ON s.id = m.segment_id WHERE m.kind = ? AND s.state != 'broken'")
        .get(kind)?.top ?? 0
    );
  }

  /** The ids (`first_id`) of the snapshot members in segments not broken. */
  snapshotMemberIds(): Set<number> {
    const rows = this.db.prepare<[], {id: number}>("SELECT m.first_id AS id FROM segment_member m JOIN segment s ON s.id = m.segment_id WHERE m.kind = 'snapshot' AND s.state != 'broken'").all();
    return new Set(rows.map((r) => r.id));
  }

  /** Indexes a member that was fsynced and verified, and moves the segment's committed length, in one transaction. */
  commitMember(member: MemberRecord, committedBytes: number): void {
    this.db.transaction(() => {
      this.db
        .prepare(`INSERT INTO segment_member (${MEMBER_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`)
        .run(member.segmentId, member.headerOffset, member.dataOffset, member.storedLength, member.originalLength, member.sha256, member.kind, member.firstId, member.lastId, member.storedAt);
      this.db.prepare('UPDATE segment SET bytes = ? WHERE id = ?').run(committedBytes, member.segmentId);
    })();
  }

  /** Records a new, empty, open segment (before its file is created, so a crash leaves a known name). */
  addSegment(id: string, path: string, now: number): void {
    this.db.prepare("INSERT INTO segment (id, path, state, format, created_at, bytes) VALUES (?, ?, 'open', ?, ?, 0)").run(id, path, ARCHIVE_FORMAT_VERSION, now);
  }

  /**
   * Indexes blobs (and the parts their manifests name, with the references) that were fsynced and verified,
   * and moves the segment's committed length, in one transaction.
   */
  commitBlobs(segmentId: string, committedBytes: number, blobs: readonly BlobRecord[], parts: readonly PartRecord[] = []): void {
    this.db.transaction(() => {
      for (const p of parts) this.insertPart.run(p.id, p.segmentId, p.headerOffset, p.dataOffset, p.storedLength, p.originalLength, p.storedAt);
      for (const b of blobs) {
        this.insertBlob.run(b.id, b.segmentId, b.headerOffset, b.dataOffset, b.storedLength, b.originalLength, b.storedAt, b.manifest === true ? 1 : 0);
        for (const part of b.parts ?? []) this.insertRef.run(b.id, part);
      }
      this.db.prepare('UPDATE segment SET bytes = ? WHERE id = ?').run(committedBytes, segmentId);
    })();
  }

  /** Marks a segment closed with its final length. */
  closeSegment(id: string, bytes: number, now: number): void {
    this.db.prepare("UPDATE segment SET state = 'closed', closed_at = ?, bytes = ? WHERE id = ?").run(now, bytes, id);
  }

  /** Marks a segment broken: its blobs may be stored again. */
  markBroken(id: string): void {
    this.db.prepare("UPDATE segment SET state = 'broken' WHERE id = ?").run(id);
  }

  /** Marks these segments broken in one transaction. Returns the ids that were not broken before. */
  markAllBroken(ids: readonly string[]): string[] {
    const mark = this.db.prepare<[string]>("UPDATE segment SET state = 'broken' WHERE id = ? AND state != 'broken'");
    return this.db.transaction(() => ids.filter((id) => mark.run(id).changes === 1))();
  }

  /**
   * A prune's index change, in one transaction (the caller's, when it runs in one): `moved` blobs point at
   * their copies in the new segments (closed here with their lengths), `dropped` blobs are forgotten, and
   * the old segments leave the index for segment_retired (their files are removed after the commit).
   */
  commitRepack(change: {
    moved: readonly BlobRecord[];
    dropped: readonly BlobId[];
    newSegments: ReadonlyArray<{id: string; bytes: number}>;
    retired: readonly SegmentRecord[];
    now: number;
    /** Non-blob members carried over: each with the place it had (`from`) and the one it has now. */
    movedMembers?: ReadonlyArray<{from: MemberRecord; to: MemberRecord}>;
    /** Part blobs (archive format 3) kept, at their new places, and dropped (no kept message refers to them). */
    movedParts?: readonly PartRecord[];
    droppedParts?: readonly BlobId[];
  }): void {
    const move = this.db.prepare<[string, number, number, Buffer]>('UPDATE blob SET segment_id = ?, header_offset = ?, data_offset = ? WHERE sha256 = ?');
    const moveMember = this.db.prepare<[string, number, number, string, number]>('UPDATE segment_member SET segment_id = ?, header_offset = ?, data_offset = ? WHERE segment_id = ? AND header_offset = ?');
    const drop = this.db.prepare<[Buffer]>('DELETE FROM blob WHERE sha256 = ?');
    const dropRefs = this.db.prepare<[Buffer]>('DELETE FROM blob_part_ref WHERE message = ?');
    const movePart = this.db.prepare<[string, number, number, Buffer]>('UPDATE blob_part SET segment_id = ?, header_offset = ?, data_offset = ? WHERE sha256 = ?');
    const dropPart = this.db.prepare<[Buffer, Buffer]>('DELETE FROM blob_part WHERE sha256 = ? AND NOT EXISTS (SELECT 1 FROM blob_part_ref WHERE part = ?)');
    const retire = this.db.prepare<[string, string, number]>('INSERT OR REPLACE INTO segment_retired (id, path, retired_at) VALUES (?, ?, ?)');
    const forget = this.db.prepare<[string, string, string, string]>(
      'DELETE FROM segment WHERE id = ? AND NOT EXISTS (SELECT 1 FROM blob WHERE segment_id = ?) AND NOT EXISTS (SELECT 1 FROM segment_member WHERE segment_id = ?) AND NOT EXISTS (SELECT 1 FROM blob_part WHERE segment_id = ?)',
    );
    this.db.transaction(() => {
      for (const s of change.newSegments) this.closeSegment(s.id, s.bytes, change.now);
      for (const b of change.moved) move.run(b.segmentId, b.headerOffset, b.dataOffset, b.id);
      for (const id of change.dropped) {
        drop.run(id);
        dropRefs.run(id);
      }
      for (const p of change.movedParts ?? []) movePart.run(p.segmentId, p.headerOffset, p.dataOffset, p.id);
      for (const id of change.droppedParts ?? []) {
        if (dropPart.run(id, id).changes !== 1) throw new Error(`part ${id.toString('hex')} is still referred to, or gone, at its prune`);
      }
      for (const m of change.movedMembers ?? []) moveMember.run(m.to.segmentId, m.to.headerOffset, m.to.dataOffset, m.from.segmentId, m.from.headerOffset);
      for (const s of change.retired) {
        if (forget.run(s.id, s.id, s.id, s.id).changes !== 1) throw new Error(`segment ${s.id} still holds blobs or members after its repack`);
        retire.run(s.id, s.path, change.now);
      }
    })();
  }

  /** Rebuild: forgets a blob found not to be its message, with the part references of its manifest. */
  forgetBlob(id: BlobId): void {
    this.db.prepare<[Buffer]>('DELETE FROM blob_part_ref WHERE message = ?').run(id);
    this.db.prepare<[Buffer]>('DELETE FROM blob WHERE sha256 = ?').run(id);
  }

  /** Segments a prune retired whose files may still be on disk. */
  listRetired(): Array<{id: string; path: string}> {
    return this.db.prepare<[], {id: string; path: string}>('SELECT id, path FROM segment_retired ORDER BY retired_at, id').all();
  }

  /** Forgets a retired segment once its file is gone. */
  forgetRetired(id: string): void {
    this.db.prepare<[string]>('DELETE FROM segment_retired WHERE id = ?').run(id);
  }

  /** Forgets a segment that holds no blob and no other member (its file never got a committed member). */
  dropEmptySegment(id: string): void {
    this.db
      .prepare(
        'DELETE FROM segment WHERE id = ? AND NOT EXISTS (SELECT 1 FROM blob WHERE segment_id = ?) AND NOT EXISTS (SELECT 1 FROM segment_member WHERE segment_id = ?) AND NOT EXISTS (SELECT 1 FROM blob_part WHERE segment_id = ?)',
      )
      .run(id, id, id, id);
  }

  /**
   * Rebuild (issue 19): records a segment read back from the archive folder alone, with its blobs and
   * members, in the caller's transaction. A blob already indexed (a copy in another segment) keeps the
   * newer copy (by stored time).
   */
  restoreSegment(segment: SegmentRecord, blobs: readonly BlobRecord[], members: readonly MemberRecord[], parts: readonly PartRecord[] = []): void {
    this.db
      .prepare('INSERT INTO segment (id, path, state, format, created_at, closed_at, bytes) VALUES (?, ?, ?, ?, ?, ?, ?)')
      .run(segment.id, segment.path, segment.state, segment.format, segment.createdAt, segment.closedAt ?? null, segment.bytes);
    const insert = this.db.prepare(
      `INSERT INTO blob (${BLOB_COLUMNS}, manifest) VALUES (?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (sha256) DO UPDATE SET segment_id = excluded.segment_id, header_offset = excluded.header_offset, data_offset = excluded.data_offset,
         stored_length = excluded.stored_length, original_length = excluded.original_length, stored_at = excluded.stored_at, manifest = excluded.manifest
       WHERE excluded.stored_at > blob.stored_at`,
    );
    for (const b of blobs) {
      insert.run(b.id, b.segmentId, b.headerOffset, b.dataOffset, b.storedLength, b.originalLength, b.storedAt, b.manifest === true ? 1 : 0);
      for (const part of b.parts ?? []) this.insertRef.run(b.id, part);
    }
    const insertPart = this.db.prepare(
      `INSERT INTO blob_part (${BLOB_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (sha256) DO UPDATE SET segment_id = excluded.segment_id, header_offset = excluded.header_offset, data_offset = excluded.data_offset,
         stored_length = excluded.stored_length, original_length = excluded.original_length, stored_at = excluded.stored_at
       WHERE excluded.stored_at > blob_part.stored_at`,
    );
    for (const p of parts) insertPart.run(p.id, p.segmentId, p.headerOffset, p.dataOffset, p.storedLength, p.originalLength, p.storedAt);
    const member = this.db.prepare(`INSERT INTO segment_member (${MEMBER_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`);
    for (const m of members) member.run(m.segmentId, m.headerOffset, m.dataOffset, m.storedLength, m.originalLength, m.sha256, m.kind, m.firstId, m.lastId, m.storedAt);
  }
}

/**
 * Refuses a segment in a format this bonnie does not know: a newer bonnie wrote it, and reading its bytes
 * as format 1 could hand out wrong data, or appending to it mix two formats in one file. Called wherever a
 * segment is opened (reader, verify, the writer's recovery) before anything is read or written.
 */
export function assertReadableFormat(segment: Pick<SegmentRecord, 'id' | 'path' | 'format'>): void {
  if (READABLE_ARCHIVE_FORMATS.has(segment.format)) return;
  throw new BonnieError(
    'ArchiveFormatUnknown',
    `segment ${segment.id} (${segment.path}) is in archive format ${segment.format}; this bonnie reads format ${[...READABLE_ARCHIVE_FORMATS].join(', ')} only: nothing was read or written`,
    {hint: `A newer bonnie wrote it: upgrade bonnie to the version that introduced archive format ${segment.format} or a later one (docs/FORMAT.md, "Format versions", names it).`},
  );
}

function toBlob(row: BlobRow): BlobRecord {
  return {
    ...(row.manifest === 1 ? {manifest: true} : {}),
    id: row.sha256,
    segmentId: row.segment_id,
    headerOffset: row.header_offset,
    dataOffset: row.data_offset,
    storedLength: row.stored_length,
    originalLength: row.original_length,
    storedAt: row.stored_at,
  };
}

function toMember(row: MemberRow): MemberRecord {
  return {
    segmentId: row.segment_id,
    headerOffset: row.header_offset,
    dataOffset: row.data_offset,
    storedLength: row.stored_length,
    originalLength: row.original_length,
    sha256: row.sha256,
    kind: row.kind,
    firstId: row.first_id,
    lastId: row.last_id,
    storedAt: row.stored_at,
  };
}

function toSegment(row: SegmentRow): SegmentRecord {
  return {id: row.id, path: row.path, state: row.state, format: row.format, createdAt: row.created_at, closedAt: row.closed_at ?? undefined, bytes: row.bytes};
}

/** What `bonnie status` shows of the archive: segments (and broken ones), messages, bytes before and after zstd. */
export function archiveCounts(db: Db): {segments: number; brokenSegments: number; messages: number; originalBytes: number; storedBytes: number} {
  const segments = db.prepare<[], {n: number; broken: number}>("SELECT count(*) AS n, count(*) FILTER (WHERE state = 'broken') AS broken FROM segment").get();
  const blobs = db.prepare<[], {n: number; original: number; stored: number}>('SELECT count(*) AS n, coalesce(sum(original_length), 0) AS original, coalesce(sum(stored_length), 0) AS stored FROM blob').get();
  // Archive format 3: a split message's stored bytes are its manifest's and its share of the parts'.
  const parts = db.prepare<[], {stored: number}>('SELECT coalesce(sum(stored_length), 0) AS stored FROM blob_part').get();
  return {segments: segments?.n ?? 0, brokenSegments: segments?.broken ?? 0, messages: blobs?.n ?? 0, originalBytes: blobs?.original ?? 0, storedBytes: (blobs?.stored ?? 0) + (parts?.stored ?? 0)};
}

/** The archive index read back by the search index's updates: segments' last offsets, blobs after one. */
export class ArchiveIndexReader {
  private readonly s;

  constructor(db: Db) {
    this.s = {
      tops: db.prepare<[], {id: string; top: number | null}>('SELECT s.id, (SELECT max(b.header_offset) FROM blob b WHERE b.segment_id = s.id) AS top FROM segment s'),
      after: db.prepare<[string, number, number], {sha256: Buffer}>('SELECT sha256 FROM blob WHERE segment_id = ? AND header_offset > ? AND header_offset <= ? ORDER BY header_offset'),
      page: db.prepare<[Buffer, number], {sha256: Buffer}>('SELECT sha256 FROM blob WHERE sha256 > ? ORDER BY sha256 LIMIT ?'),
      count: db.prepare<[], {n: number}>('SELECT count(*) AS n FROM blob'),
    };
  }

  /** Each segment's last blob header offset now (segments holding no blob left out): offsets only grow. */
  segmentTops(): Map<string, number> {
    const rows = this.s.tops.all();
    return new Map(rows.filter((r) => r.top !== null).map((r) => [r.id, r.top as number]));
  }

  /** The blobs of segment `segmentId` with a header offset in (`after`, `upTo`], in file order. */
  blobsBetween(segmentId: string, after: number, upTo: number): BlobId[] {
    return this.s.after.all(segmentId, after, upTo).map((r) => r.sha256);
  }

  /** Up to `limit` blobs after `after`, by SHA-256 (pages over the whole index). */
  blobPage(after: BlobId, limit: number): BlobId[] {
    return this.s.page.all(after, limit).map((r) => r.sha256);
  }

  countBlobs(): number {
    return this.s.count.get()?.n ?? 0;
  }
}
