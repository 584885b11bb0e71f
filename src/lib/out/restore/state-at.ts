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
import type {Db} from '../../base/catalog/catalog.js';
import {unprocessedAbout} from '../../pipeline/queue/stats.js';

export interface MessageAt {
  uid: number;
  flags: string[];
  /** ms since the epoch. */
  internalDate: number;
  /** Whether internalDate comes from Cyrus (a snapshot) or from the event's arrival time. */
  dateFrom: 'snapshot' | 'event';
  size: number | undefined;
  /** The blob holding the bytes, or undefined when the archive has none. */
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

interface SnapshotRow {
  id: number;
  mailbox_name: string;
  uid_validity: number;
  taken_at: number;
}

interface PlacementRow {
  id: number;
  uid_validity: number | null;
  uid: number;
  message: number;
  flags: string;
  added_at: string;
  removed_at: string | null;
  size: number | null;
}

/** The state of folder `mailboxId` at `at` (ms since the epoch). */
export function folderStateAt(db: Db, mailboxId: string, at: number): FolderAt {
  const iso = new Date(at).toISOString();
  // A folder deleted by then: its last state before the deletion (what restoring a deleted folder means).
  const deleted = db
    .prepare<[string, string], {valid_from: string}>("SELECT valid_from FROM folder_version WHERE mailbox_id = ? AND change = 'deleted' AND valid_from <= ? ORDER BY valid_from DESC LIMIT 1")
    .get(mailboxId, iso);
  if (deleted !== undefined) {
    const before = folderStateAt(db, mailboxId, Date.parse(deleted.valid_from) - 1);
    return {...before, existed: false, limits: [...before.limits, `the folder was deleted at ${deleted.valid_from}: its last state before the deletion is used`]};
  }
  const snapshot = db
    .prepare<[string, number], SnapshotRow>('SELECT id, mailbox_name, uid_validity, taken_at FROM snapshot WHERE mailbox_id = ? AND taken_at <= ? ORDER BY taken_at DESC, id DESC LIMIT 1')
    .get(mailboxId, at);
  const version = db
    .prepare<[string, string], {name: string; uid_validity: number | null; change: string; valid_from: string}>(
      'SELECT name, uid_validity, change, valid_from FROM folder_version WHERE mailbox_id = ? AND valid_from <= ? ORDER BY valid_from DESC, id DESC LIMIT 1',
    )
    .get(mailboxId, iso);
  const anyVersion = db.prepare<[string], {name: string; uid_validity: number | null}>('SELECT name, uid_validity FROM folder_version WHERE mailbox_id = ? ORDER BY id DESC LIMIT 1').get(mailboxId);
  const anySnapshot = db.prepare<[string], SnapshotRow>('SELECT id, mailbox_name, uid_validity, taken_at FROM snapshot WHERE mailbox_id = ? ORDER BY id DESC LIMIT 1').get(mailboxId);
  const uidValidity = snapshot?.uid_validity ?? version?.uid_validity ?? anyVersion?.uid_validity ?? anySnapshot?.uid_validity ?? 0;
  const name = (snapshot !== undefined && (version === undefined || Date.parse(version.valid_from) <= snapshot.taken_at) ? snapshot.mailbox_name : undefined) ?? version?.name ?? anySnapshot?.mailbox_name ?? anyVersion?.name ?? mailboxId;
  const existed = version !== undefined ? version.change !== 'deleted' : snapshot !== undefined;

  const limits: string[] = [];
  const present = new Map<number, MessageAt>();
  const linked = new Map<number, Buffer>();
  for (const row of db.prepare<[string, number], {uid: number; sha256: Buffer}>('SELECT uid, sha256 FROM archived_message WHERE mailbox_id = ? AND uid_validity = ?').iterate(mailboxId, uidValidity)) linked.set(row.uid, row.sha256);
  const facts = immutableFacts(db, mailboxId, uidValidity);

  if (snapshot !== undefined) {
    for (const m of db.prepare<[number], {uid: number; flags: string; internal_date: number; size: number}>('SELECT uid, flags, internal_date, size FROM snapshot_message WHERE snapshot_id = ? AND expunged = 0').iterate(snapshot.id)) {
      present.set(m.uid, {uid: m.uid, flags: splitFlags(m.flags), internalDate: m.internal_date, dateFrom: 'snapshot', size: m.size, sha256: linked.get(m.uid), message: undefined});
    }
  } else {
    const first = db.prepare<[string], {n: number}>('SELECT count(*) AS n FROM snapshot WHERE mailbox_id = ?').get(mailboxId)?.n ?? 0;
    limits.push(
      first > 0
        ? 'the instant is before the folder\'s first snapshot: only messages the record saw arrive are known, not mail that was there before bonnie was installed'
        : 'the folder has no snapshot ("bonnie archive"): only messages the record saw arrive are known, and internal dates are the arrival times of their events',
    );
  }
  const since = snapshot === undefined ? '' : new Date(snapshot.taken_at).toISOString();
  const fromSnapshot = new Set(present.keys());

  // Placements that changed after the snapshot (or ever, without one), up to the instant.
  const placements = db
    .prepare<[string, number, number, string, string], PlacementRow>(
      `SELECT p.id, p.uid_validity, p.uid, p.message, p.flags, p.added_at, p.removed_at, m.size FROM placement p JOIN message m ON m.id = p.message
       WHERE p.mailbox_id = ? AND coalesce(p.uid_validity, ?) = ? AND ((p.added_at > ? AND p.added_at <= ?) OR p.removed_at IS NOT NULL)
       ORDER BY p.uid`,
    )
    .all(mailboxId, uidValidity, uidValidity, since, iso);
  let applied = 0;
  for (const p of placements) {
    const addedInWindow = p.added_at > since && p.added_at <= iso;
    const removedInWindow = p.removed_at !== null && p.removed_at > since && p.removed_at <= iso;
    if (removedInWindow || (p.removed_at !== null && p.removed_at <= iso && !present.has(p.uid))) {
      if (present.delete(p.uid)) applied++;
      continue;
    }
    if (!addedInWindow) continue;
    applied++;
    const known = facts.get(p.uid);
    present.set(p.uid, {
      uid: p.uid,
      flags: JSON.parse(p.flags) as string[],
      internalDate: known?.internalDate ?? Date.parse(p.added_at),
      dateFrom: known === undefined ? 'event' : 'snapshot',
      size: known?.size ?? p.size ?? undefined,
      sha256: linked.get(p.uid),
      message: p.message,
    });
  }

  // Flags at the instant: the last flag change up to it, when later than the snapshot; the message row.
  const changes = db.prepare<[number], {at: string; before: string | null; after: string | null}>(
    "SELECT at, before, after FROM change WHERE placement_id = ? AND action IN ('read', 'trashed', 'flags-set', 'flags-cleared') ORDER BY id",
  );
  const placementOf = db.prepare<[string, number, number, number], {id: number; message: number; flags: string}>('SELECT id, message, flags FROM placement WHERE mailbox_id = ? AND coalesce(uid_validity, ?) = ? AND uid = ?');
  const sameMessage = db.prepare<[number], {sha256: Buffer}>('SELECT a.sha256 FROM placement p JOIN archived_message a ON a.mailbox_id = p.mailbox_id AND a.uid_validity = p.uid_validity AND a.uid = p.uid WHERE p.message = ? LIMIT 1');
  for (const m of present.values()) {
    const placement = placementOf.get(mailboxId, uidValidity, uidValidity, m.uid);
    if (placement === undefined) continue;
    m.message = placement.message;
    const all = changes.all(placement.id);
    const last = all.filter((c) => c.at <= iso).at(-1);
    const next = all.find((c) => c.at > iso);
    if (fromSnapshot.has(m.uid)) {
      // The snapshot's flags, unless a flag change after it (and up to the instant) is later.
      if (last !== undefined && last.after !== null && last.at > since) m.flags = JSON.parse(last.after) as string[];
    } else if (last !== undefined && last.after !== null) m.flags = JSON.parse(last.after) as string[];
    // Before its first flag change, a message had the flags that change started from.
    else if (next !== undefined && next.before !== null) m.flags = JSON.parse(next.before) as string[];
    m.sha256 ??= sameMessage.get(placement.message)?.sha256;
  }

  const pending = unprocessedAbout(db, mailboxId, at);
  if (pending > 0) limits.push(`${pending} event(s) received before that instant are not processed yet: run "bonnie process" first for an exact answer`);
  if (!existed) limits.push('the folder did not exist yet at that instant');

  const messages = [...present.values()].sort((a, b) => a.uid - b.uid);
  return {mailboxId, name, uidValidity, at, existed, messages, basis: {snapshotId: snapshot?.id, snapshotAt: snapshot?.taken_at, placementsApplied: applied}, limits};
}

/** Internal date and size of each UID from any snapshot of the folder (they never change for a UID). */
function immutableFacts(db: Db, mailboxId: string, uidValidity: number): Map<number, {internalDate: number; size: number}> {
  const map = new Map<number, {internalDate: number; size: number}>();
  for (const row of db
    .prepare<[string, number], {uid: number; internal_date: number; size: number}>(
      'SELECT m.uid, m.internal_date, m.size FROM snapshot_message m JOIN snapshot s ON s.id = m.snapshot_id WHERE s.mailbox_id = ? AND s.uid_validity = ?',
    )
    .iterate(mailboxId, uidValidity)) {
    map.set(row.uid, {internalDate: row.internal_date, size: row.size});
  }
  return map;
}

function splitFlags(text: string): string[] {
  return text === '' ? [] : text.split(' ');
}
