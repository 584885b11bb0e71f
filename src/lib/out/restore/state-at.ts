/**
 * What a folder held at a given instant, and with which flags: the heart of `bonnie restore --at` and
 * `bonnie export --at`. Two sources, combined:
 *
 * - the latest snapshot taken at or before the instant (`bonnie archive`): the folder's messages, flags,
 *   internal dates and sizes as read from Cyrus then;
 * - the record (`bonnie process`): every placement (folder, UID) added or removed since, and every flag
 *   change, with the events' own timestamps.
 *
 * So: start from the snapshot (or from nothing), add the placements added after it up to the instant,
 * drop those removed in that interval; each message's flags are those of whichever is later, its last
 * flag change up to the instant or the snapshot. A UID's bytes, size and internal date never change in
 * Cyrus: they come from any snapshot or link of that UID, or of the same message (emailid) elsewhere.
 *
 * Limits (said in each result's `limits`): mail that was there before bonnie saw any event of the folder
 * and before its first snapshot cannot be known; without a snapshot, internal dates are the arrival times
 * of the events (exact for LMTP delivery, not for an APPEND that gave its own date); events not yet
 * processed are not in the record.
 */
import {isoTime} from '../../core/time.js';
import type {Db} from '../../base/catalog/catalog.js';
import {unprocessedAbout} from '../../pipeline/queue/stats.js';
import {ChangeReader} from '../../pipeline/record/read-changes.js';
import {FolderVersions} from '../../pipeline/record/read-folders.js';
import {PlacementReader} from '../../pipeline/record/read-placements.js';
import {SnapshotReader} from '../../pipeline/snapshot/repository.js';

export interface MessageAt {
  uid: number;
  flags: string[];
  /** ms since the epoch. */
  internalDate: number;
  /** Whether internalDate comes from Cyrus (a snapshot) or from the event's arrival time. */
  dateFrom: 'snapshot' | 'event';
  size: number | undefined;
  /** The blob holding the bytes (or that held them, when a prune removed it), or undefined when the archive has none. */
  sha256: Buffer | undefined;
  /** The record's message row, when the record knows the message. */
  message: number | undefined;
}

export interface FolderAt {
  mailboxId: string;
  /** The folder's name at that instant (the last one it had, if it no longer existed). */
  name: string;
  uidValidity: number;
  /** ms since the epoch. */
  at: number;
  /** Whether the folder existed at that instant (false: deleted before it, or not yet created). */
  existed: boolean;
  messages: MessageAt[];
  basis: {snapshotId: number | undefined; snapshotAt: number | undefined; placementsApplied: number};
  limits: string[];
}

/** The state of folder `mailboxId` at `at` (ms since the epoch). */
export function folderStateAt(db: Db, mailboxId: string, at: number): FolderAt {
  return new StateReader(db).folderAt(mailboxId, at);
}

/** The owners' readers a state needs: the record's folders, placements and changes, and the snapshots. */
class StateReader {
  private readonly folders;
  private readonly placements;
  private readonly changes;
  private readonly snapshots;

  constructor(private readonly db: Db) {
    this.folders = new FolderVersions(db);
    this.placements = new PlacementReader(db);
    this.changes = new ChangeReader(db);
    this.snapshots = new SnapshotReader(db);
  }

  folderAt(mailboxId: string, at: number): FolderAt {
    // A folder deleted by then: its last state before the deletion (what restoring a deleted folder means).
    const deleted = this.folders.deletionBy(mailboxId, at);
    if (deleted !== undefined) {
      const before = this.folderAt(mailboxId, deleted.valid_from - 1);
      return {...before, existed: false, limits: [...before.limits, `the folder was deleted at ${isoTime(deleted.valid_from)}: its last state before the deletion is used`]};
    }
    const snapshot = this.snapshots.latest(mailboxId, at);
    const version = this.folders.at(mailboxId, at);
    const anyVersion = this.folders.latest(mailboxId);
    const anySnapshot = this.snapshots.latest(mailboxId);
    const uidValidity = snapshot?.uidValidity ?? version?.uid_validity ?? anyVersion?.uid_validity ?? anySnapshot?.uidValidity ?? 0;
    const name = (snapshot !== undefined && (version === undefined || version.valid_from <= snapshot.takenAt) ? snapshot.name : undefined) ?? version?.name ?? anySnapshot?.name ?? anyVersion?.name ?? mailboxId;
    const existed = version !== undefined ? version.change !== 'deleted' : snapshot !== undefined;

    const limits: string[] = [];
    const present = new Map<number, MessageAt>();
    const linked = this.snapshots.links(mailboxId, uidValidity);
    // A place whose message a prune removed keeps naming its blob: restore and export name it as pruned.
    for (const [uid, sha256] of this.snapshots.prunedLinks(mailboxId, uidValidity)) if (!linked.has(uid)) linked.set(uid, sha256);
    const facts = this.snapshots.uidFacts(mailboxId, uidValidity);

    if (snapshot !== undefined) {
      for (const m of this.snapshots.messages(snapshot.id)) {
        present.set(m.uid, {uid: m.uid, flags: splitFlags(m.flags), internalDate: m.internalDate, dateFrom: 'snapshot', size: m.size, sha256: linked.get(m.uid), message: undefined});
      }
    } else {
      limits.push(
        anySnapshot !== undefined
          ? 'the instant is before the folder\'s first snapshot: only messages the record saw arrive are known, not mail that was there before bonnie was installed'
          : 'the folder has no snapshot ("bonnie archive"): only messages the record saw arrive are known, and internal dates are the arrival times of their events',
      );
    }
    // Without a snapshot, every change up to the instant counts.
    const since = snapshot === undefined ? Number.MIN_SAFE_INTEGER : snapshot.takenAt;
    const fromSnapshot = new Set(present.keys());

    // Placements that changed after the snapshot (or ever, without one), up to the instant.
    let applied = 0;
    for (const p of this.placements.changedInFolder(mailboxId, uidValidity, since, at)) {
      const addedInWindow = p.addedAt > since && p.addedAt <= at;
      const removedInWindow = p.removedAt !== null && p.removedAt > since && p.removedAt <= at;
      if (removedInWindow || (p.removedAt !== null && p.removedAt <= at && !present.has(p.uid))) {
        if (present.delete(p.uid)) applied++;
        continue;
      }
      if (!addedInWindow) continue;
      applied++;
      const known = facts.get(p.uid);
      present.set(p.uid, {
        uid: p.uid,
        flags: p.flags,
        internalDate: known?.internalDate ?? p.addedAt,
        dateFrom: known === undefined ? 'event' : 'snapshot',
        size: known?.size ?? p.size ?? undefined,
        sha256: linked.get(p.uid),
        message: p.message,
      });
    }

    // Flags at the instant: the last flag change up to it, when later than the snapshot; the message row.
    for (const m of present.values()) {
      const placement = this.placements.atValidity(mailboxId, uidValidity, m.uid);
      if (placement === undefined) continue;
      m.message = placement.message;
      const all = this.changes.flagChanges(placement.id);
      const last = all.filter((c) => c.at <= at).at(-1);
      const next = all.find((c) => c.at > at);
      if (fromSnapshot.has(m.uid)) {
        // The snapshot's flags, unless a flag change after it (and up to the instant) is later.
        if (last !== undefined && last.after !== null && last.at > since) m.flags = JSON.parse(last.after) as string[];
      } else if (last !== undefined && last.after !== null) m.flags = JSON.parse(last.after) as string[];
      // Before its first flag change, a message had the flags that change started from.
      else if (next !== undefined && next.before !== null) m.flags = JSON.parse(next.before) as string[];
      m.sha256 ??= this.sameMessage(placement.message);
    }

    const pending = unprocessedAbout(this.db, mailboxId, at);
    if (pending > 0) limits.push(`${pending} event(s) received before that instant are not processed yet: run "bonnie process" first for an exact answer`);
    if (!existed) limits.push('the folder did not exist yet at that instant');

    const messages = [...present.values()].sort((a, b) => a.uid - b.uid);
    return {mailboxId, name, uidValidity, at, existed, messages, basis: {snapshotId: snapshot?.id, snapshotAt: snapshot?.takenAt, placementsApplied: applied}, limits};
  }

  /** The bytes of the same message (emailid) archived at any of its placements. */
  private sameMessage(message: number): Buffer | undefined {
    for (const p of this.placements.ofMessage(message)) {
      if (p.uidValidity === null) continue;
      const sha256 = this.snapshots.blobAt(p.mailboxId, p.uidValidity, p.uid);
      if (sha256 !== undefined) return sha256;
    }
    return undefined;
  }
}

function splitFlags(text: string): string[] {
  return text === '' ? [] : text.split(' ');
}
