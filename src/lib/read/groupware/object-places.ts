/**
 * Every place (folder, UID) that held one of an object's contents, with when it arrived and left and who
 * did it. Starts from the archive's links (`archived_message`), then follows the record: each linked place's
 * placement, every placement of the same message (same emailid: the same bytes) and the lineage of copies
 * and moves both ways, so that a move into a folder that was never archived is still seen. A linked place the
 * record does not know (mail from before bonnie) is dated from the snapshots: its internal date, and the
 * first later snapshot without it as when it left (`approximate`).
 */
import {isoTime, isoTimeOrNull} from '../../core/time.js';
import type {Db} from '../../base/catalog/catalog.js';
import {CollectJobReader} from '../../pipeline/collect/jobs.js';
import type {Origin, Removal} from '../../pipeline/record/messages.js';
import {ChangeReader, type ChangeActor} from '../../pipeline/record/read-changes.js';
import {PlacementReader, type PlacementRef} from '../../pipeline/record/read-placements.js';
import {SnapshotReader} from '../../pipeline/snapshot/repository.js';
import {ArchiveIndex} from '../../store/archive/index/repository.js';

/** Who did something: the change row's actor and session (all null when unknown, e.g. a delivery). */
export interface Actor {
  actor: string | null;
  actorPersonId: number | null;
  sessionId: string | null;
}

/** One place that held a content of the object. */
export interface ObjectPlace {
  /** The content: hex SHA-256 of the archived bytes. */
  content: string;
  /** The record's placement, null for a place only snapshots know. */
  placementId: number | null;
  mailboxId: string;
  uidValidity: number | null;
  uid: number;
  /** How it arrived; `snapshot` when only a snapshot saw it. */
  origin: Origin | 'snapshot';
  /** Where a copy or move came from (a placement id). */
  sourcePlacementId: number | null;
  addedAt: string;
  added: Actor | null;
  removedAt: string | null;
  removal: Removal | null;
  removed: Actor | null;
  /** The message's emailid, when the record has one. */
  emailId: string | null;
  /** The folder's name as a snapshot or the collector saw it (for folders the record does not know). */
  archivedName: string | null;
  /** Times from snapshots (internal date; the first snapshot without it), not from events. */
  approximate: boolean;
}

/** Finds the places of contents. The owners' readers are made once per finder. */
export class PlaceFinder {
  private readonly placements;
  private readonly changes;
  private readonly snapshots;
  private readonly archive;
  private readonly jobs;

  constructor(db: Db) {
    this.placements = new PlacementReader(db);
    this.changes = new ChangeReader(db);
    this.snapshots = new SnapshotReader(db);
    this.archive = new ArchiveIndex(db);
    this.jobs = new CollectJobReader(db);
  }

  /** The places of every content in `contents` (SHA-256s), each place once. */
  placesOf(contents: readonly Buffer[]): ObjectPlace[] {
    const places: ObjectPlace[] = [];
    const seeds: Array<{placement: PlacementRef; tag: string}> = [];
    for (const sha256 of contents) {
      const content = sha256.toString('hex');
      const linked = new Set<string>();
      for (const link of this.snapshots.placesOf(sha256)) {
        const key = `${link.mailboxId}\u0000${link.uidValidity}\u0000${link.uid}`;
        if (linked.has(key)) continue;
        linked.add(key);
        // UIDVALIDITY 0: a collector job whose event carried none (any placement at that UID).
        const placement = this.placements.at(link.mailboxId, link.uidValidity, link.uid);
        if (placement !== undefined) seeds.push({placement, tag: content});
        else places.push(this.fromSnapshots(sha256, link.mailboxId, link.uidValidity, link.uid));
      }
    }
    for (const {placement, tag} of this.placements.lineage(seeds, {sameMessage: true})) places.push(this.fromRecord(placement, tag));
    return places;
  }

  private fromRecord(row: PlacementRef, content: string): ObjectPlace {
    return {
      content,
      placementId: row.id,
      mailboxId: row.mailboxId,
      uidValidity: row.uidValidity,
      uid: row.uid,
      origin: row.origin,
      sourcePlacementId: row.sourcePlacementId,
      addedAt: isoTime(row.addedAt),
      added: row.origin === 'first-seen' ? null : actorOf(this.changes.actorOf(row.id, row.origin)),
      removedAt: isoTimeOrNull(row.removedAt),
      removal: row.removal,
      removed: this.removedBy(row),
      emailId: row.emailId,
      archivedName: this.archivedName(row.mailboxId),
      approximate: false,
    };
  }

  private removedBy(row: PlacementRef): Actor | null {
    switch (row.removal) {
      case null:
        return null;
      case 'moved':
        return actorOf(this.changes.movedAwayBy(row.id));
      case 'folder-deleted':
        return actorOf(this.changes.folderDeletedBy(row.mailboxId, row.removedAt as number));
      default:
        return actorOf(this.changes.actorOf(row.id, row.removal));
    }
  }

  private fromSnapshots(sha256: Buffer, mailboxId: string, uidValidity: number, uid: number): ObjectPlace {
    const rows = this.snapshots.uidHistory(mailboxId, uidValidity, uid);
    const first = rows.findIndex((r) => r.internalDate !== null);
    const seen = rows[first];
    const gone = first < 0 ? undefined : rows.slice(seen?.expunged === true ? first : first + 1).find((r) => r.internalDate === null || r.expunged === true);
    const addedAt = seen?.internalDate ?? this.archive.getBlob(sha256)?.storedAt ?? 0;
    return {
      content: sha256.toString('hex'),
      placementId: null,
      mailboxId,
      uidValidity,
      uid,
      origin: 'snapshot',
      sourcePlacementId: null,
      addedAt: isoTime(addedAt),
      added: null,
      removedAt: gone === undefined ? null : isoTime(gone.takenAt),
      removal: gone === undefined ? null : 'expunged',
      removed: null,
      emailId: null,
      archivedName: seen?.name ?? this.archivedName(mailboxId),
      approximate: true,
    };
  }

  /** The folder's name in its newest snapshot, else in the collector's newest job. */
  private archivedName(mailboxId: string): string | null {
    return this.snapshots.latest(mailboxId)?.name ?? this.jobs.folderName(mailboxId) ?? null;
  }
}

function actorOf(row: ChangeActor | undefined): Actor | null {
  return row === undefined ? null : {actor: row.actor_login, actorPersonId: row.actor_person_id, sessionId: row.session_id};
}
