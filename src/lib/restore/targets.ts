/**
 * Which folders (and messages) `bonnie restore` and `bonnie export` act on, at an instant: names are
 * resolved as they were then (a folder renamed or deleted since is still found by its old name), through
 * the record's folder versions and the snapshots.
 */
import type {Db} from '../catalog/catalog.js';
import {parseMailboxName} from '../event/mailbox-name.js';
import {parseMessageRef, resolveMessage} from '../discovery/refs.js';
import {BonnieError} from '../errors.js';
import {folderStateAt, type FolderAt} from './state-at.js';

export type RestoreSelector = {kind: 'mailbox'; name: string} | {kind: 'user'; login: string} | {kind: 'message'; ref: string};

/** The folders (with their state at `at`) the selector names. A message selector gives one folder holding one message. */
export function selectTargets(db: Db, selector: RestoreSelector, at: number): FolderAt[] {
  switch (selector.kind) {
    case 'mailbox':
      return [folderStateAt(db, mailboxIdFor(db, selector.name, at), at)];
    case 'user': {
      const folders = userMailboxIds(db, selector.login)
        .map((id) => folderStateAt(db, id, at))
        .filter((f) => f.existed);
      if (folders.length === 0) {
        throw new BonnieError('NothingToRestore', `no folder of user ${selector.login} existed at ${new Date(at).toISOString()} in the record or the snapshots`, {
          hint: 'Check the login ("bonnie history --user"), or choose an earlier --at; a deleted folder can be named with --mailbox.',
        });
      }
      return folders.sort((a, b) => a.name.localeCompare(b.name));
    }
    case 'message':
      return [messageTarget(db, selector.ref, at)];
  }
}

/** The mailboxID that bore `name` at `at`; for a name no folder bears now, the last folder that bore it. */
export function mailboxIdFor(db: Db, name: string, at: number): string {
  const iso = new Date(at).toISOString();
  const atThatTime = db
    .prepare<[string, string, string], {mailbox_id: string}>(
      "SELECT mailbox_id FROM folder_version WHERE name = ? AND change != 'deleted' AND valid_from <= ? AND (valid_to IS NULL OR valid_to > ?) ORDER BY valid_from DESC LIMIT 1",
    )
    .get(name, iso, iso);
  if (atThatTime !== undefined) return atThatTime.mailbox_id;
  const snapshot = db.prepare<[string, number], {mailbox_id: string}>('SELECT mailbox_id FROM snapshot WHERE mailbox_name = ? AND taken_at <= ? ORDER BY taken_at DESC LIMIT 1').get(name, at);
  if (snapshot !== undefined) return snapshot.mailbox_id;
  const last =
    db.prepare<[string, string], {mailbox_id: string}>('SELECT mailbox_id FROM folder_version WHERE name = ? AND valid_from <= ? ORDER BY valid_from DESC, id DESC LIMIT 1').get(name, iso) ??
    db.prepare<[string], {mailbox_id: string}>('SELECT mailbox_id FROM snapshot WHERE mailbox_name = ? ORDER BY id DESC LIMIT 1').get(name);
  if (last !== undefined) return last.mailbox_id;
  throw new BonnieError('FolderUnknown', `no folder named ${name} in the record or the snapshots`, {
    hint: 'Names are the admin form: user.alice, user.alice.Sent (user.alice@example.com with virtual domains). "bonnie history --user <login>" lists a user\'s folders; "bonnie archive" records snapshots.',
  });
}

function userMailboxIds(db: Db, login: string): string[] {
  const ids = new Set<string>();
  for (const row of db.prepare<[string], {mailbox_id: string}>('SELECT mailbox_id FROM folder WHERE owner_login = ?').iterate(login)) ids.add(row.mailbox_id);
  for (const row of db.prepare<[], {mailbox_id: string; mailbox_name: string}>('SELECT DISTINCT mailbox_id, mailbox_name FROM snapshot').iterate()) {
    if (parseMailboxName(row.mailbox_name).owner === login) ids.add(row.mailbox_id);
  }
  return [...ids];
}

/** One message: its folder at `at` (or at its last moment there, if it was removed before), holding only it. */
function messageTarget(db: Db, refText: string, at: number): FolderAt {
  const ref = parseMessageRef(refText);
  let message: number;
  try {
    message = resolveMessage(db, ref);
  } catch (error) {
    // Mail the record never saw (from before bonnie, or without events) is known from snapshots only.
    const fromSnapshot = ref.kind === 'placement' && error instanceof BonnieError && error.code === 'MessageUnknown' ? snapshotTarget(db, ref.folder, ref.uid, at) : undefined;
    if (fromSnapshot !== undefined) return fromSnapshot;
    throw error;
  }
  const placements = db
    .prepare<[number], {mailbox_id: string; uid: number; added_at: string; removed_at: string | null}>('SELECT mailbox_id, uid, added_at, removed_at FROM placement WHERE message = ? ORDER BY added_at')
    .all(message);
  let chosen = placements.at(-1);
  if (ref.kind === 'placement') {
    const id = ref.folder.length >= 16 && !ref.folder.includes('.') ? ref.folder : mailboxIdFor(db, ref.folder, at);
    chosen = placements.find((p) => p.mailbox_id === id && p.uid === ref.uid) ?? chosen;
  } else {
    const iso = new Date(at).toISOString();
    chosen = placements.filter((p) => p.added_at <= iso && (p.removed_at === null || p.removed_at > iso)).at(-1) ?? chosen;
  }
  if (chosen === undefined) throw new BonnieError('MessageUnknown', `the record knows no folder that held ${refText}`);
  // A message removed before the instant is restored as it was just before its removal.
  const when = chosen.removed_at !== null && Date.parse(chosen.removed_at) <= at ? Date.parse(chosen.removed_at) - 1 : at;
  const folder = folderStateAt(db, chosen.mailbox_id, when);
  const found = folder.messages.filter((m) => m.uid === chosen.uid);
  if (found.length === 0) throw new BonnieError('MessageUnknown', `${refText} was not in ${folder.name} at ${new Date(when).toISOString()}`);
  if (when === at) return {...folder, messages: found};
  // Undoing a removal: the message comes back visible, not marked for the next EXPUNGE.
  const revived = found.map((m) => ({...m, flags: m.flags.filter((f) => f.toLowerCase() !== '\\deleted')}));
  return {...folder, existed: true, messages: revived, limits: [...folder.limits, `the message was removed at ${chosen.removed_at}: restored as it was just before, without \\Deleted`]};
}

/** A message at `<folder or mailboxID>:<uid>` that only snapshots know: as at `at`, or as the last snapshot holding it saw it. */
function snapshotTarget(db: Db, folder: string, uid: number, at: number): FolderAt | undefined {
  const byId = db.prepare<[string], {n: number}>('SELECT 1 AS n FROM snapshot WHERE mailbox_id = ? LIMIT 1').get(folder) !== undefined;
  let mailboxId: string;
  try {
    mailboxId = byId ? folder : mailboxIdFor(db, folder, at);
  } catch {
    return undefined;
  }
  const now = folderStateAt(db, mailboxId, at);
  const found = now.messages.filter((m) => m.uid === uid);
  if (found.length > 0) return {...now, messages: found};
  const last = db
    .prepare<[string, number], {taken_at: number}>(
      'SELECT s.taken_at FROM snapshot s JOIN snapshot_message m ON m.snapshot_id = s.id WHERE s.mailbox_id = ? AND m.uid = ? AND m.expunged = 0 ORDER BY s.taken_at DESC LIMIT 1',
    )
    .get(mailboxId, uid);
  if (last === undefined) return undefined;
  const then = folderStateAt(db, mailboxId, last.taken_at);
  const messages = then.messages.filter((m) => m.uid === uid).map((m) => ({...m, flags: m.flags.filter((f) => f.toLowerCase() !== '\\deleted')}));
  return {...then, existed: true, messages, limits: [...then.limits, `the message is known from the snapshot of ${new Date(last.taken_at).toISOString()} only (the record never saw it): restored as it was then, without \\Deleted`]};
}
