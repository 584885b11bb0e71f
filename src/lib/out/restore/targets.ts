/**
 * Which folders (and messages) `bonnie restore` and `bonnie export` act on, at an instant: names are
 * resolved as they were then (a folder renamed or deleted since is still found by its old name), through
 * the record's folder versions and the snapshots.
 */
import {isoTime} from '../../core/time.js';
import type {Db} from '../../base/catalog/catalog.js';
import {parseMailboxName} from '../../core/event/mailbox-name.js';
import {parseMessageRef, resolveMessage} from '../../read/discovery/refs.js';
import {BonnieError} from '../../base/errors.js';
import {folderLastNamed, folderNamedAt, foldersOwnedBy} from '../../pipeline/record/folders.js';
import {placementsOf} from '../../pipeline/record/messages.js';
import {hasSnapshot, lastSnapshotHolding, snapshotFolderNamed, snapshottedFolders} from '../../pipeline/snapshot/repository.js';
import type {Selector} from '../../core/selector.js';
import {folderStateAt, type FolderAt} from './state-at.js';

/** The selectors restore and export take (core/selector.ts): every one but --all. `message.ref` is any message reference. */
export type RestoreSelector = Exclude<Selector, {kind: 'all'}>;

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
        throw new BonnieError('NothingToRestore', `no folder of user ${selector.login} existed at ${isoTime(at)} in the record or the snapshots`, {
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
  const found = folderNamedAt(db, name, at) ?? snapshotFolderNamed(db, name, at) ?? folderLastNamed(db, name, at) ?? snapshotFolderNamed(db, name);
  if (found !== undefined) return found;
  throw new BonnieError('FolderUnknown', `no folder named ${name} in the record or the snapshots`, {
    hint: 'Names are the admin form: user.alice, user.alice.Sent (user.alice@example.com with virtual domains). "bonnie history --user <login>" lists a user\'s folders; "bonnie archive" records snapshots.',
  });
}

function userMailboxIds(db: Db, login: string): string[] {
  const ids = new Set(foldersOwnedBy(db, login));
  for (const folder of snapshottedFolders(db)) if (parseMailboxName(folder.name).owner === login) ids.add(folder.mailboxId);
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
  const placements = placementsOf(db, message);
  let chosen = placements.at(-1);
  if (ref.kind === 'placement') {
    const id = ref.folder.length >= 16 && !ref.folder.includes('.') ? ref.folder : mailboxIdFor(db, ref.folder, at);
    chosen = placements.find((p) => p.mailbox_id === id && p.uid === ref.uid) ?? chosen;
  } else {
    chosen = placements.filter((p) => p.added_at <= at && (p.removed_at === null || p.removed_at > at)).at(-1) ?? chosen;
  }
  if (chosen === undefined) throw new BonnieError('MessageUnknown', `the record knows no folder that held ${refText}`);
  // A message removed before the instant is restored as it was just before its removal.
  const when = chosen.removed_at !== null && chosen.removed_at <= at ? chosen.removed_at - 1 : at;
  const folder = folderStateAt(db, chosen.mailbox_id, when);
  const found = folder.messages.filter((m) => m.uid === chosen.uid);
  if (found.length === 0) throw new BonnieError('MessageUnknown', `${refText} was not in ${folder.name} at ${isoTime(when)}`);
  if (when === at) return {...folder, messages: found};
  // Undoing a removal: the message comes back visible, not marked for the next EXPUNGE.
  const revived = found.map((m) => ({...m, flags: m.flags.filter((f) => f.toLowerCase() !== '\\deleted')}));
  return {...folder, existed: true, messages: revived, limits: [...folder.limits, `the message was removed at ${isoTime(chosen.removed_at as number)}: restored as it was just before, without \\Deleted`]};
}

/** A message at `<folder or mailboxID>:<uid>` that only snapshots know: as at `at`, or as the last snapshot holding it saw it. */
function snapshotTarget(db: Db, folder: string, uid: number, at: number): FolderAt | undefined {
  const byId = hasSnapshot(db, folder);
  let mailboxId: string;
  try {
    mailboxId = byId ? folder : mailboxIdFor(db, folder, at);
  } catch {
    return undefined;
  }
  const now = folderStateAt(db, mailboxId, at);
  const found = now.messages.filter((m) => m.uid === uid);
  if (found.length > 0) return {...now, messages: found};
  const lastTakenAt = lastSnapshotHolding(db, mailboxId, uid);
  if (lastTakenAt === undefined) return undefined;
  const then = folderStateAt(db, mailboxId, lastTakenAt);
  const messages = then.messages.filter((m) => m.uid === uid).map((m) => ({...m, flags: m.flags.filter((f) => f.toLowerCase() !== '\\deleted')}));
  return {...then, existed: true, messages, limits: [...then.limits, `the message is known from the snapshot of ${isoTime(lastTakenAt)} only (the record never saw it): restored as it was then, without \\Deleted`]};
}
