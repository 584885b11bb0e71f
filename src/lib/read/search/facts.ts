/**
 * What a search result says about a place (folder, UIDVALIDITY, UID) now: the folder's name and owner, the
 * message's flags, whether it is gone, its internal date. Two sources, as in restore/state-at.ts:
 *
 * - the record (`bonnie process`): the folder's versions (names, deletion), the placement (flags, removal)
 *   and the times of its flag changes;
 * - the snapshots (`bonnie archive`): the folder as Cyrus had it when read (name, UIDs, flags, internal
 *   dates, expunged messages still on disk).
 *
 * Rules: the later of the two gives the name and the flags. A folder is deleted when the record's last
 * version says so (as `bonnie restore` reads it) or when its latest snapshot is of a delayed-delete
 * `DELETED.*` folder. A message is gone when its folder is, when the record removed its placement, or when
 * the folder's latest snapshot (same UIDVALIDITY) shows it expunged or lacks it although it was there before
 * (its UID is below one the snapshot holds: UIDs only grow). Everything here is read-only and a pure function
 * of the catalog's rows, so computing it again gives the same answer.
 */
import type {Db} from '../../base/catalog/catalog.js';
import {parseMailboxName} from '../../core/event/mailbox-name.js';

export type Removal = 'expunged' | 'expired' | 'moved' | 'folder-deleted';

/** A folder as search results show it. */
export interface FolderFacts {
  mailboxId: string;
  /** Latest name, admin form; a `DELETED.*` name is shown as the name the folder had. */
  name: string;
  /** The path below the owner (`INBOX`, `Sent`, `Projects.2026`); a shared folder's whole name. */
  path: string;
  owner: string | null;
  deleted: boolean;
  /** The folder's latest snapshot, if any. */
  snapshot: {id: number; uidValidity: number; takenAt: number; maxUid: number} | undefined;
}

/** A message in a folder, as search results show it. */
export interface ItemFacts {
  flags: string[];
  deleted: boolean;
  removal: Removal | null;
  /** ms since the epoch, from a snapshot. */
  internalDate: number | null;
  /** When the record first saw it there (ms), when it knows the placement. */
  seenAt: number | null;
}

interface PlacementRow {
  id: number;
  flags: string;
  added_at: string;
  removed_at: string | null;
  removal: Removal | null;
}

const DELETED_NAME = /^([^!]*!)?DELETED([./])(.+)\2[0-9A-F]{8,16}(@[^@]+)?$/i;

/** `DELETED.user.alice.Old.5F1234AB` -> `user.alice.Old` (domains kept); undefined for any other name. */
export function undeletedName(name: string): string | undefined {
  const m = DELETED_NAME.exec(name);
  return m === null ? undefined : `${m[1] ?? ''}${m[3] as string}${m[4] ?? ''}`;
}

/** Reads folder and item facts. Folder facts are cached for the instance's lifetime: use one per batch. */
export class LocationFacts {
  private readonly s;
  private readonly folders = new Map<string, FolderFacts>();

  constructor(db: Db) {
    this.s = {
      version: db.prepare<[string], {name: string; change: string; valid_from: string}>('SELECT name, change, valid_from FROM folder_version WHERE mailbox_id = ? ORDER BY id DESC LIMIT 1'),
      owner: db.prepare<[string], {owner_login: string | null}>('SELECT owner_login FROM folder WHERE mailbox_id = ?'),
      snapshot: db.prepare<[string], {id: number; mailbox_name: string; uid_validity: number; taken_at: number}>(
        'SELECT id, mailbox_name, uid_validity, taken_at FROM snapshot WHERE mailbox_id = ? ORDER BY id DESC LIMIT 1',
      ),
      maxUid: db.prepare<[number], {uid: number | null}>('SELECT max(uid) AS uid FROM snapshot_message WHERE snapshot_id = ?'),
      jobName: db.prepare<[string], {mailbox_name: string}>('SELECT mailbox_name FROM collect_job WHERE mailbox_id = ? ORDER BY id DESC LIMIT 1'),
      placement: db.prepare<[string, number, number], PlacementRow>('SELECT id, flags, added_at, removed_at, removal FROM placement WHERE mailbox_id = ? AND uid_validity = ? AND uid = ?'),
      placementNoValidity: db.prepare<[string, number], PlacementRow>('SELECT id, flags, added_at, removed_at, removal FROM placement WHERE mailbox_id = ? AND uid_validity IS NULL AND uid = ?'),
      placementAnyValidity: db.prepare<[string, number], PlacementRow>('SELECT id, flags, added_at, removed_at, removal FROM placement WHERE mailbox_id = ? AND uid = ? ORDER BY id DESC LIMIT 1'),
      flagsChangedAt: db.prepare<[number], {at: string | null}>(
        "SELECT max(at) AS at FROM change WHERE placement_id = ? AND action IN ('read', 'trashed', 'flags-set', 'flags-cleared')",
      ),
      inSnapshot: db.prepare<[number, number], {flags: string; internal_date: number; expunged: number}>('SELECT flags, internal_date, expunged FROM snapshot_message WHERE snapshot_id = ? AND uid = ?'),
      inAnySnapshot: db.prepare<[number, string, number], {taken_at: number; flags: string; internal_date: number; expunged: number}>(
        `SELECT s.taken_at, m.flags, m.internal_date, m.expunged FROM snapshot s JOIN snapshot_message m ON m.snapshot_id = s.id AND m.uid = ?
         WHERE s.mailbox_id = ? AND s.uid_validity = ? ORDER BY s.id DESC LIMIT 1`,
      ),
    };
  }

  /** The folder with this mailboxID as known now (its mailboxID as name when nothing names it). */
  folder(mailboxId: string): FolderFacts {
    const cached = this.folders.get(mailboxId);
    if (cached !== undefined) return cached;
    const version = this.s.version.get(mailboxId);
    const snap = this.s.snapshot.get(mailboxId);
    const snapshotIsLater = snap !== undefined && (version === undefined || snap.taken_at > Date.parse(version.valid_from));
    const raw = (snapshotIsLater ? snap?.mailbox_name : version?.name) ?? this.s.jobName.get(mailboxId)?.mailbox_name ?? mailboxId;
    const undeleted = undeletedName(raw);
    const name = undeleted ?? raw;
    const parts = parseMailboxName(name);
    const path = parts.owner === undefined ? name : parts.isInbox ? 'INBOX' : parts.path.join(parts.separator);
    const facts: FolderFacts = {
      mailboxId,
      name,
      path,
      owner: this.s.owner.get(mailboxId)?.owner_login ?? parts.owner ?? null,
      deleted: version?.change === 'deleted' || (snapshotIsLater && undeleted !== undefined),
      snapshot: snap === undefined ? undefined : {id: snap.id, uidValidity: snap.uid_validity, takenAt: snap.taken_at, maxUid: this.s.maxUid.get(snap.id)?.uid ?? 0},
    };
    this.folders.set(mailboxId, facts);
    return facts;
  }

  /** The message at (folder, UIDVALIDITY, UID); UIDVALIDITY 0 (the collector's "not known") matches any. */
  item(folder: FolderFacts, uidValidity: number, uid: number): ItemFacts {
    const placement = this.placement(folder.mailboxId, uidValidity, uid);
    const snap = folder.snapshot;
    const validity = uidValidity !== 0 ? uidValidity : (snap?.uidValidity ?? 0);
    const latest = snap !== undefined && snap.uidValidity === validity ? this.s.inSnapshot.get(snap.id, uid) : undefined;
    const seen = latest !== undefined && snap !== undefined ? {...latest, taken_at: snap.takenAt} : this.s.inAnySnapshot.get(uid, folder.mailboxId, validity);

    const seenAt = placement === undefined ? null : Date.parse(placement.added_at);
    let flags: string[] = [];
    if (placement !== undefined) {
      const changedAt = this.s.flagsChangedAt.get(placement.id)?.at;
      const recordAt = Math.max(seenAt ?? 0, changedAt == null ? 0 : Date.parse(changedAt));
      flags = seen !== undefined && seen.taken_at >= recordAt ? splitFlags(seen.flags) : (JSON.parse(placement.flags) as string[]);
    } else if (seen !== undefined) flags = splitFlags(seen.flags);

    let removal: Removal | null = null;
    if (folder.deleted) removal = 'folder-deleted';
    else if (placement?.removed_at != null) removal = placement.removal ?? 'expunged';
    else if (snap !== undefined && uidValidity !== 0 && snap.uidValidity !== uidValidity) removal = 'expunged';
    else if (snap !== undefined && snap.uidValidity === validity) {
      const knownBefore = uid <= snap.maxUid || (seenAt !== null && seenAt < snap.takenAt);
      if (latest !== undefined ? latest.expunged === 1 : knownBefore) removal = 'expunged';
    }
    return {flags, deleted: removal !== null, removal, internalDate: seen?.internal_date ?? null, seenAt};
  }

  private placement(mailboxId: string, uidValidity: number, uid: number): PlacementRow | undefined {
    if (uidValidity === 0) return this.s.placementAnyValidity.get(mailboxId, uid);
    return this.s.placement.get(mailboxId, uidValidity, uid) ?? this.s.placementNoValidity.get(mailboxId, uid);
  }
}

function splitFlags(text: string): string[] {
  return text === '' ? [] : text.split(' ');
}
