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
import {CollectJobReader} from '../../pipeline/collect/jobs.js';
import type {Removal} from '../../pipeline/record/messages.js';
import {ChangeReader} from '../../pipeline/record/read-changes.js';
import {FolderVersions} from '../../pipeline/record/read-folders.js';
import {PlacementReader} from '../../pipeline/record/read-placements.js';
import {SnapshotReader} from '../../pipeline/snapshot/repository.js';

export type {Removal};

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

const DELETED_NAME = /^([^!]*!)?DELETED([./])(.+)\2[0-9A-F]{8,16}(@[^@]+)?$/i;

/** `DELETED.user.alice.Old.5F1234AB` -> `user.alice.Old` (domains kept); undefined for any other name. */
export function undeletedName(name: string): string | undefined {
  const m = DELETED_NAME.exec(name);
  return m === null ? undefined : `${m[1] ?? ''}${m[3] as string}${m[4] ?? ''}`;
}

/** Reads folder and item facts. Folder facts are cached for the instance's lifetime: use one per batch. */
export class LocationFacts {
  private readonly folderVersions;
  private readonly placements;
  private readonly changes;
  private readonly snapshots;
  private readonly jobs;
  private readonly folders = new Map<string, FolderFacts>();

  constructor(db: Db) {
    this.folderVersions = new FolderVersions(db);
    this.placements = new PlacementReader(db);
    this.changes = new ChangeReader(db);
    this.snapshots = new SnapshotReader(db);
    this.jobs = new CollectJobReader(db);
  }

  /** The folder with this mailboxID as known now (its mailboxID as name when nothing names it). */
  folder(mailboxId: string): FolderFacts {
    const cached = this.folders.get(mailboxId);
    if (cached !== undefined) return cached;
    const version = this.folderVersions.latest(mailboxId);
    const snap = this.snapshots.latest(mailboxId);
    const snapshotIsLater = snap !== undefined && (version === undefined || snap.takenAt > version.valid_from);
    const raw = (snapshotIsLater ? snap?.name : version?.name) ?? this.jobs.folderName(mailboxId) ?? mailboxId;
    const undeleted = undeletedName(raw);
    const name = undeleted ?? raw;
    const parts = parseMailboxName(name);
    const path = parts.owner === undefined ? name : parts.isInbox ? 'INBOX' : parts.path.join(parts.separator);
    const facts: FolderFacts = {
      mailboxId,
      name,
      path,
      owner: this.folderVersions.folder(mailboxId)?.owner_login ?? parts.owner ?? null,
      deleted: version?.change === 'deleted' || (snapshotIsLater && undeleted !== undefined),
      snapshot: snap === undefined ? undefined : {id: snap.id, uidValidity: snap.uidValidity, takenAt: snap.takenAt, maxUid: this.snapshots.maxUid(snap.id)},
    };
    this.folders.set(mailboxId, facts);
    return facts;
  }

  /** The message at (folder, UIDVALIDITY, UID); UIDVALIDITY 0 (the collector's "not known") matches any. */
  item(folder: FolderFacts, uidValidity: number, uid: number): ItemFacts {
    const placement = this.placements.at(folder.mailboxId, uidValidity, uid);
    const snap = folder.snapshot;
    const validity = uidValidity !== 0 ? uidValidity : (snap?.uidValidity ?? 0);
    const latest = snap !== undefined && snap.uidValidity === validity ? this.snapshots.message(snap.id, uid) : undefined;
    const seen = latest !== undefined && snap !== undefined ? {...latest, takenAt: snap.takenAt} : this.snapshots.latestWithUid(folder.mailboxId, validity, uid);

    const seenAt = placement === undefined ? null : placement.addedAt;
    let flags: string[] = [];
    if (placement !== undefined) {
      const changedAt = this.changes.lastFlagChangeAt(placement.id);
      const recordAt = Math.max(seenAt ?? 0, changedAt ?? 0);
      flags = seen !== undefined && seen.takenAt >= recordAt ? splitFlags(seen.flags) : placement.flags;
    } else if (seen !== undefined) flags = splitFlags(seen.flags);

    let removal: Removal | null = null;
    if (folder.deleted) removal = 'folder-deleted';
    else if (placement?.removedAt != null) removal = placement.removal ?? 'expunged';
    else if (snap !== undefined && uidValidity !== 0 && snap.uidValidity !== uidValidity) removal = 'expunged';
    else if (snap !== undefined && snap.uidValidity === validity) {
      const knownBefore = uid <= snap.maxUid || (seenAt !== null && seenAt < snap.takenAt);
      if (latest !== undefined ? latest.expunged : knownBefore) removal = 'expunged';
    }
    return {flags, deleted: removal !== null, removal, internalDate: seen?.internalDate ?? null, seenAt};
  }
}

function splitFlags(text: string): string[] {
  return text === '' ? [] : text.split(' ');
}
