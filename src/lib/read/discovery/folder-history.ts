/**
 * `bonnie history --folder`: a folder's versions (created, renamed, ACL changed, deleted) and what happened
 * in it: appends, deliveries, flag changes, removals, copies and moves in and out.
 */
import {isoTime, isoTimeOrNull} from '../../core/time.js';
import type {Db} from '../../base/catalog/catalog.js';
import {BonnieError, EXIT} from '../../base/errors.js';
import type {AclEntry} from '../../core/event/types.js';
import type {FolderChange} from '../../pipeline/record/folders.js';
import {ChangeReader} from '../../pipeline/record/read-changes.js';
import {FolderVersions, type FolderVersionRow} from '../../pipeline/record/read-folders.js';
import {FolderNames} from './folder-names.js';
import {rightsDiff, toTimelineEntry, type TimelineEntry} from './timeline.js';

export interface FolderFacts {
  /** The reference to paste back: the mailboxID (names can be reused; the id cannot). */
  ref: string;
  mailboxId: string;
  /** The name now (the last one, if deleted). */
  name: string;
  owner: string | null;
  createdAt: string | null;
  deletedAt: string | null;
}

/** An ACL entry that changed between two versions; '' is no rights. */
export interface AclChange {
  subject: string;
  before: string;
  after: string;
}

/** One version of the folder: what it was called and who had which rights, from `at` until `until`. */
export interface FolderVersionEntry {
  at: string;
  until: string | null;
  change: FolderChange;
  name: string;
  uidValidity: number | null;
  acl: AclEntry[] | null;
  /** The name before, when this version is a rename. */
  renamedFrom: string | null;
  /** Rights that differ from the previous version's ACL. */
  aclChanges: AclChange[];
  /** One line for people: `renamed user.alice.Projects -> user.alice.Work`, `bob: none -> lrs (+lrs)`. */
  summary: string;
}

/** A change in or out of the folder; `direction` tells copies and moves in (`in`) from out (`out`). */
export interface FolderTimelineEntry extends TimelineEntry {
  direction: 'in' | 'out' | null;
}

export interface FolderHistory {
  folder: FolderFacts;
  /** Oldest first. */
  versions: FolderVersionEntry[];
  /** Newest last. */
  timeline: FolderTimelineEntry[];
  /** Older entries left out by `limit`. */
  omitted: number;
}

/** The history of the folder named `nameOrId`. Throws BonnieError FolderUnknown / FolderAmbiguous. */
export function folderHistory(db: Db, nameOrId: string, options: {limit?: number} = {}): FolderHistory {
  const mailboxId = resolveFolder(db, nameOrId);
  const record = new FolderVersions(db);
  const folder = record.folder(mailboxId);
  const names = new FolderNames(db);
  const changes = new ChangeReader(db);
  const total = changes.countOfFolder(mailboxId);
  const rows = changes.ofFolder(mailboxId, options.limit ?? -1);
  return {
    folder: {
      ref: mailboxId,
      mailboxId,
      name: names.nameNow(mailboxId) ?? mailboxId,
      owner: folder?.owner_login ?? null,
      createdAt: isoTimeOrNull(folder?.created_at ?? null),
      deletedAt: isoTimeOrNull(folder?.deleted_at ?? null),
    },
    versions: toVersions(record.versions(mailboxId)),
    timeline: rows.map((row) => ({...toTimelineEntry(row, names), direction: row.direction})),
    omitted: total - rows.length,
  };
}

/**
 * The mailboxID of the folder `nameOrId` names: a mailboxID, or a name any folder ever had. Several
 * folders may have had the same name (deleted and created again, or renamed away and back): the
 * caller must choose.
 */
export function resolveFolder(db: Db, nameOrId: string): string {
  const text = nameOrId.trim();
  const record = new FolderVersions(db);
  if (record.folder(text) !== undefined) return text;
  const candidates = record.named(text);
  if (candidates.length === 1) return (candidates[0] as {mailbox_id: string}).mailbox_id;
  if (candidates.length === 0) {
    throw new BonnieError('FolderUnknown', `no folder ${text} in the record`, {
      hint: "Name a folder by Cyrus' internal name (user.alice.Work, not INBOX.Work) or by its mailboxID; \"bonnie history --user <login>\" lists a person's folders' changes.",
    });
  }
  const names = new FolderNames(db);
  const lines = candidates.map((c) => `  ${c.mailbox_id}  named ${text} from ${isoTime(c.first)}; now ${names.nameNow(c.mailbox_id) ?? '?'}${c.deleted_at === null ? '' : ` (deleted ${isoTime(c.deleted_at)})`}`);
  throw new BonnieError('FolderAmbiguous', `${candidates.length} folders have been called ${text}:\n${lines.join('\n')}`, {
    exit: EXIT.usage,
    hint: 'Choose one and pass its mailboxID (the first column) to --folder.',
  });
}

function toVersions(rows: FolderVersionRow[]): FolderVersionEntry[] {
  let previous: {name: string; acl: AclEntry[] | null} | undefined;
  return rows.map((row) => {
    const acl = row.acl === null ? null : (JSON.parse(row.acl) as AclEntry[]);
    const renamedFrom = previous !== undefined && previous.name !== row.name ? previous.name : null;
    // A created or first-seen folder had no rights before; a version that does not carry an ACL changed none.
    const aclChanges = acl === null ? [] : diffAcl(previous?.acl ?? [], acl);
    previous = {name: row.name, acl: acl ?? previous?.acl ?? null};
    const parts: string[] = [];
    if (row.change === 'created' || row.change === 'first-seen') {
      parts.push(`${row.change} as ${row.name}${acl === null ? '' : `, ACL ${acl.map((entry) => `${entry.subject} ${entry.rights}`).join(', ') || 'empty'}`}`);
    } else {
      if (renamedFrom !== null) parts.push(`renamed ${renamedFrom} -> ${row.name}`);
      if (row.change === 'deleted') parts.push(`deleted (was ${row.name})`);
      else parts.push(...aclChanges.map((c) => rightsDiff(c.subject, c.before, c.after)));
    }
    return {at: isoTime(row.valid_from), until: isoTimeOrNull(row.valid_to), change: row.change, name: row.name, uidValidity: row.uid_validity, acl, renamedFrom, aclChanges, summary: parts.join('; ')};
  });
}

/** Subjects whose rights differ, in the order they appear (after's, then those removed). */
function diffAcl(before: AclEntry[], after: AclEntry[]): AclChange[] {
  const rights = (acl: AclEntry[], subject: string) => acl.find((entry) => entry.subject === subject)?.rights ?? '';
  const subjects = [...new Set([...after.map((e) => e.subject), ...before.map((e) => e.subject)])];
  const sameRights = (a: string, b: string) => [...a].sort().join('') === [...b].sort().join('');
  return subjects.map((subject) => ({subject, before: rights(before, subject), after: rights(after, subject)})).filter((c) => !sameRights(c.before, c.after));
}
