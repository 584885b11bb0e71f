/**
 * Changelog rows as discovery shows them: one {@link TimelineEntry} per `change` row (read by the record's
 * `ChangeReader`), with the folder's
 * name as it was then, the message's and placement's references, and a one-line summary of what changed.
 */
import {isoTime} from '../../core/time.js';
import type {ChangeAction, ChangeKind} from '../../pipeline/record/changes.js';
import type {ChangeRow} from '../../pipeline/record/read-changes.js';
import type {FolderNames} from './folder-names.js';
import {formatMessageRef, formatPlacementRef} from './refs.js';

/** One thing that happened (a `change` row). Part of the `--json` output of history and audit. */
export interface TimelineEntry {
  /** The change's row id (a stable order within the same instant). */
  id: number;
  /** When it happened: the event's own timestamp, ISO 8601. */
  at: string;
  /**
   * Who did it (canonical login). Null when no one acted: an LMTP delivery (a message arrived; the recipient
   * is the folder's owner, not an actor), cyr_expire, or a quota event whose session's Login was not seen.
   */
  actor: string | null;
  actorPersonId: number | null;
  /** Cyrus' session id (`vnd.cmu.sessionId`). */
  sessionId: string | null;
  kind: ChangeKind;
  action: ChangeAction;
  mailboxId: string | null;
  /** The folder's name at the time of the change. */
  folder: string | null;
  /** The message's UID in that folder (message changes). */
  uid: number | null;
  /** The message's reference (emailid or msg:<n>), for message changes. */
  messageRef: string | null;
  /**
   * The placement's reference, `<folder then>:<uid>` (`<mailboxID>:<uid>` when several folders have had
   * that name), for message changes.
   */
  placementRef: string | null;
  /** What it was and became, as recorded (flag lists, names, ACL rights...). */
  before: unknown;
  after: unknown;
  /** One line for people: `+\Seen -\Flagged`, `user.alice.Projects -> user.alice.Work`, `bob: lrs -> lr (-s)`. */
  summary: string;
}

/** A changelog row as the record reads it back (`ChangeReader`). */
export type TimelineRow = ChangeRow;

export function toTimelineEntry(row: TimelineRow, names: FolderNames): TimelineEntry {
  const before = parseJson(row.before);
  const after = parseJson(row.after);
  const folder = row.mailbox_id === null ? null : (names.nameAt(row.mailbox_id, row.at) ?? folderFromEvent(row.action, after) ?? null);
  return {
    id: row.id,
    at: isoTime(row.at),
    actor: row.actor_login,
    actorPersonId: row.actor_person_id,
    sessionId: row.session_id,
    kind: row.kind,
    action: row.action,
    mailboxId: row.mailbox_id,
    folder,
    uid: row.uid,
    messageRef: row.message_row === null ? null : formatMessageRef({id: row.message_row, emailId: row.email_id}),
    placementRef: row.uid === null || row.mailbox_id === null ? null : formatPlacementRef(names.refName(row.mailbox_id, folder ?? undefined), row.uid),
    before,
    after,
    summary: summarize(row.action, before, after, folder),
  };
}

/** The last `limit` entries (newest last), and how many were left out before them. */
export function keepNewest<T>(entries: T[], limit: number | undefined): {kept: T[]; omitted: number} {
  if (limit === undefined || entries.length <= limit) return {kept: entries, omitted: 0};
  return {kept: entries.slice(entries.length - limit), omitted: entries.length - limit};
}

/** Flags added and removed between two flag lists (case-insensitive, RFC 3501 2.3.2): `+\Seen -\Flagged`. */
export function flagsDiff(before: readonly string[], after: readonly string[]): string {
  const lower = (flags: readonly string[]) => new Set(flags.map((flag) => flag.toLowerCase()));
  const had = lower(before);
  const has = lower(after);
  const added = after.filter((flag) => !had.has(flag.toLowerCase())).map((flag) => `+${flag}`);
  const removed = before.filter((flag) => !has.has(flag.toLowerCase())).map((flag) => `-${flag}`);
  return [...added, ...removed].join(' ');
}

/** An ACL entry's change: `bob: lrs -> lr (-s)`. */
export function rightsDiff(subject: string, before: string, after: string): string {
  const added = [...after].filter((right) => !before.includes(right)).join('');
  const removed = [...before].filter((right) => !after.includes(right)).join('');
  const diff = [added === '' ? '' : `+${added}`, removed === '' ? '' : `-${removed}`].filter((part) => part !== '').join(' ');
  return `${subject}: ${before === '' ? 'none' : before} -> ${after === '' ? 'none' : after}${diff === '' ? '' : ` (${diff})`}`;
}

function summarize(action: ChangeAction, before: unknown, after: unknown, folder: string | null): string {
  const b = asRecord(before);
  const a = asRecord(after);
  switch (action) {
    case 'login': {
      const where = typeof a.clientIp === 'string' ? ` from ${a.clientIp}${typeof a.clientPort === 'number' ? ` port ${a.clientPort}` : ''}` : '';
      return `${text(a.service) ?? 'session'}${where}`;
    }
    case 'logout':
      return text(a.service) ?? '';
    case 'created':
      return text(a.name) ?? folder ?? '';
    case 'renamed':
      return `${text(b.name) ?? '?'} -> ${text(a.name) ?? folder ?? '?'}`;
    case 'deleted':
      return text(b.name) ?? folder ?? '';
    case 'acl-granted':
    case 'acl-revoked':
      return rightsDiff(text(a.subject) ?? text(b.subject) ?? '?', text(b.rights) ?? '', text(a.rights) ?? '');
    case 'appended':
    case 'delivered': {
      const flags = stringList(a.flags);
      return flags.length === 0 ? 'no flags' : `flags ${flags.join(' ')}`;
    }
    case 'copied':
    case 'moved': {
      const from = text(b.folder) !== undefined && typeof b.uid === 'number' ? formatPlacementRef(text(b.folder) as string, b.uid) : '(unknown source)';
      const to = text(a.folder) !== undefined && typeof a.uid === 'number' ? formatPlacementRef(text(a.folder) as string, a.uid) : (folder ?? '?');
      return `${from} -> ${to}`;
    }
    case 'read':
    case 'trashed':
    case 'flags-set':
    case 'flags-cleared':
      // Null before: the message was first seen by this event (mail from before bonnie).
      return before === null ? `first seen; flags ${stringList(after).join(' ') || 'none'}` : flagsDiff(stringList(before), stringList(after)) || '(no change)';
    case 'quota-changed':
      // Cyrus counts storage in KiB (RFC 2087 STORAGE); a negative limit is none.
      return `${text(a.root) ?? '?'}: storage ${String(a.diskUsed ?? '?')} KiB of ${limitOf(a.diskQuota)}, ${String(a.messages ?? '?')} messages of ${limitOf(a.maxMessages)}`;
    default:
      return '';
  }
}

function limitOf(value: unknown): string {
  return typeof value !== 'number' ? '?' : value < 0 ? 'no limit' : String(value);
}

function folderFromEvent(action: ChangeAction, after: unknown): string | undefined {
  const a = asRecord(after);
  return action === 'copied' || action === 'moved' ? text(a.folder) : text(a.name);
}

function parseJson(value: string | null): unknown {
  return value === null ? null : (JSON.parse(value) as unknown);
}

function asRecord(value: unknown): Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
}

function text(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

function stringList(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((item): item is string => typeof item === 'string') : [];
}
