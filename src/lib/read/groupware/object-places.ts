/**
 * Every place (folder, UID) that held one of an object's contents, with when it arrived and left and who
 * did it. Starts from the archive's links (`archived_message`), then follows the record: each linked place's
 * placement, every placement of the same message (same emailid: the same bytes) and the lineage of copies
 * and moves both ways, so that a move into a folder that was never archived is still seen. A linked place the
 * record does not know (mail from before bonnie) is dated from the snapshots: its internal date, and the
 * first later snapshot without it as when it left (`approximate`).
 */
import type {Db} from '../../base/catalog/catalog.js';
import type {Origin, Removal} from '../../pipeline/record/messages.js';

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

interface PlacementRow {
  id: number;
  mailbox_id: string;
  uid_validity: number | null;
  uid: number;
  message: number;
  email_id: string | null;
  origin: Origin;
  source_placement_id: number | null;
  added_at: string;
  removed_at: string | null;
  removal: Removal | null;
}

interface ActorRow {
  actor_login: string | null;
  actor_person_id: number | null;
  session_id: string | null;
}

interface SnapshotRow {
  taken_at: number;
  mailbox_name: string;
  internal_date: number | null;
  expunged: number | null;
}

const COLUMNS = 'p.id, p.mailbox_id, p.uid_validity, p.uid, p.message, m.email_id, p.origin, p.source_placement_id, p.added_at, p.removed_at, p.removal';
const FROM = 'placement p JOIN message m ON m.id = p.message';
const ACTOR = 'c.actor_login, c.actor_person_id, c.session_id';

/** Finds the places of contents. Statements are prepared once per finder. */
export class PlaceFinder {
  private readonly s;

  constructor(db: Db) {
    this.s = {
      linked: db.prepare<[Buffer], {mailbox_id: string; uid_validity: number; uid: number}>('SELECT DISTINCT mailbox_id, uid_validity, uid FROM archived_message WHERE sha256 = ? ORDER BY mailbox_id, uid_validity, uid'),
      // UIDVALIDITY 0: a collector job whose event carried none; NULL: a placement whose event carried none.
      placementAt: db.prepare<{mailbox: string; validity: number; uid: number}, PlacementRow>(
        `SELECT ${COLUMNS} FROM ${FROM} WHERE p.mailbox_id = @mailbox AND p.uid = @uid AND (p.uid_validity = @validity OR p.uid_validity IS NULL OR @validity = 0)
         ORDER BY p.uid_validity = @validity DESC, p.id LIMIT 1`,
      ),
      byId: db.prepare<[number], PlacementRow>(`SELECT ${COLUMNS} FROM ${FROM} WHERE p.id = ?`),
      ofMessage: db.prepare<[number], PlacementRow>(`SELECT ${COLUMNS} FROM ${FROM} WHERE p.message = ?`),
      copies: db.prepare<[number], PlacementRow>(`SELECT ${COLUMNS} FROM ${FROM} WHERE p.source_placement_id = ?`),
      change: db.prepare<[number, string], ActorRow>(`SELECT ${ACTOR} FROM change c WHERE c.placement_id = ? AND c.action = ? ORDER BY c.id LIMIT 1`),
      movedAway: db.prepare<[number], ActorRow>(`SELECT ${ACTOR} FROM placement d JOIN change c ON c.placement_id = d.id AND c.action = 'moved' WHERE d.source_placement_id = ? ORDER BY c.id LIMIT 1`),
      folderDeleted: db.prepare<[string, string], ActorRow>(`SELECT ${ACTOR} FROM change c WHERE c.mailbox_id = ? AND c.kind = 'folder' AND c.action = 'deleted' AND c.at = ? ORDER BY c.id LIMIT 1`),
      snapshots: db.prepare<{mailbox: string; validity: number; uid: number}, SnapshotRow>(
        `SELECT s.taken_at, s.mailbox_name, m.internal_date, m.expunged FROM snapshot s LEFT JOIN snapshot_message m ON m.snapshot_id = s.id AND m.uid = @uid
         WHERE s.mailbox_id = @mailbox AND s.uid_validity = @validity ORDER BY s.id`,
      ),
      storedAt: db.prepare<[Buffer], {stored_at: number}>('SELECT stored_at FROM blob WHERE sha256 = ?'),
      snapshotName: db.prepare<[string], {name: string}>('SELECT mailbox_name AS name FROM snapshot WHERE mailbox_id = ? ORDER BY id DESC LIMIT 1'),
      collectorName: db.prepare<[string], {name: string}>('SELECT mailbox_name AS name FROM collect_job WHERE mailbox_id = ? ORDER BY id DESC LIMIT 1'),
    };
  }

  /** The places of every content in `contents` (SHA-256s), each place once. */
  placesOf(contents: readonly Buffer[]): ObjectPlace[] {
    const places: ObjectPlace[] = [];
    const seeds: Array<{row: PlacementRow; content: string}> = [];
    for (const sha256 of contents) {
      const content = sha256.toString('hex');
      for (const link of this.s.linked.all(sha256)) {
        const row = this.s.placementAt.get({mailbox: link.mailbox_id, validity: link.uid_validity, uid: link.uid});
        if (row !== undefined) seeds.push({row, content});
        else places.push(this.fromSnapshots(sha256, link.mailbox_id, link.uid_validity, link.uid));
      }
    }
    const found = new Map<number, {row: PlacementRow; content: string}>();
    const queue = [...seeds];
    for (let next = queue.shift(); next !== undefined; next = queue.shift()) {
      if (found.has(next.row.id)) continue;
      found.set(next.row.id, next);
      const {row, content} = next;
      const source = row.source_placement_id === null ? undefined : this.s.byId.get(row.source_placement_id);
      const related = [...(source === undefined ? [] : [source]), ...this.s.copies.all(row.id), ...this.s.ofMessage.all(row.message)];
      for (const r of related) if (!found.has(r.id)) queue.push({row: r, content});
    }
    for (const {row, content} of found.values()) places.push(this.fromRecord(row, content));
    return places;
  }

  private fromRecord(row: PlacementRow, content: string): ObjectPlace {
    return {
      content,
      placementId: row.id,
      mailboxId: row.mailbox_id,
      uidValidity: row.uid_validity,
      uid: row.uid,
      origin: row.origin,
      sourcePlacementId: row.source_placement_id,
      addedAt: row.added_at,
      added: row.origin === 'first-seen' ? null : actorOf(this.s.change.get(row.id, row.origin)),
      removedAt: row.removed_at,
      removal: row.removal,
      removed: this.removedBy(row),
      emailId: row.email_id,
      archivedName: this.archivedName(row.mailbox_id),
      approximate: false,
    };
  }

  private removedBy(row: PlacementRow): Actor | null {
    switch (row.removal) {
      case null:
        return null;
      case 'moved':
        return actorOf(this.s.movedAway.get(row.id));
      case 'folder-deleted':
        return actorOf(this.s.folderDeleted.get(row.mailbox_id, row.removed_at as string));
      default:
        return actorOf(this.s.change.get(row.id, row.removal));
    }
  }

  private fromSnapshots(sha256: Buffer, mailboxId: string, uidValidity: number, uid: number): ObjectPlace {
    const rows = this.s.snapshots.all({mailbox: mailboxId, validity: uidValidity, uid});
    const first = rows.findIndex((r) => r.internal_date !== null);
    const seen = rows[first];
    const gone = first < 0 ? undefined : rows.slice(seen?.expunged === 1 ? first : first + 1).find((r) => r.internal_date === null || r.expunged === 1);
    const addedAt = seen?.internal_date ?? this.s.storedAt.get(sha256)?.stored_at ?? 0;
    return {
      content: sha256.toString('hex'),
      placementId: null,
      mailboxId,
      uidValidity,
      uid,
      origin: 'snapshot',
      sourcePlacementId: null,
      addedAt: new Date(addedAt).toISOString(),
      added: null,
      removedAt: gone === undefined ? null : new Date(gone.taken_at).toISOString(),
      removal: gone === undefined ? null : 'expunged',
      removed: null,
      emailId: null,
      archivedName: seen?.mailbox_name ?? this.archivedName(mailboxId),
      approximate: true,
    };
  }

  private archivedName(mailboxId: string): string | null {
    return this.s.snapshotName.get(mailboxId)?.name ?? this.s.collectorName.get(mailboxId)?.name ?? null;
  }
}

function actorOf(row: ActorRow | undefined): Actor | null {
  return row === undefined ? null : {actor: row.actor_login, actorPersonId: row.actor_person_id, sessionId: row.session_id};
}
