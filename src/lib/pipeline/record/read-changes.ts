/**
 * The changelog read back: the changes of a person, a session, a folder, a message's placements, and the
 * actors of a placement's arrival and removal. Every query that reads `change` with the placement and
 * message it names sits here, inside the record (the joins stay in one owner: a timeline page is one
 * indexed query). Statements are prepared once per reader.
 */
import type {Db} from '../../base/catalog/catalog.js';
import type {ChangeAction, ChangeKind} from './changes.js';

/** One `change` row with its placement's UID and its message's emailid, as timelines show it. */
export interface ChangeRow {
  id: number;
  at: number;
  actor_login: string | null;
  actor_person_id: number | null;
  session_id: string | null;
  kind: ChangeKind;
  action: ChangeAction;
  mailbox_id: string | null;
  message_row: number | null;
  email_id: string | null;
  uid: number | null;
  before: string | null;
  after: string | null;
}

/** A change of a folder's timeline: copies and moves `in` (made into it) or `out` (made out of it). */
export type FolderChangeRow = ChangeRow & {direction: 'in' | 'out' | null};

/** Who did something: the change row's actor and session. */
export interface ChangeActor {
  actor_login: string | null;
  actor_person_id: number | null;
  session_id: string | null;
}

/** A change since a watermark, with its placement and (for a move) the placement it moved from. */
export interface ChangedPlace {
  kind: ChangeKind;
  mailbox_id: string | null;
  p_mailbox: string | null;
  p_validity: number | null;
  p_uid: number | null;
  s_mailbox: string | null;
  s_validity: number | null;
  s_uid: number | null;
}

/** A message Cyrus delivered (MessageNew) in an LMTP session, where it was placed. */
export interface SessionDelivery {
  message_row: number;
  email_id: string | null;
  message_id: string | null;
  mailbox_id: string;
  uid: number;
  at: number;
}

/**
 * A change as data-loss prevention's behaviour detectors read it: who, from where (the session's client
 * address), which folder, placement and message.
 */
export interface ActRow {
  change_id: number;
  notification_id: number;
  at: number;
  actor_person_id: number | null;
  actor_login: string | null;
  session_id: string | null;
  client_ip: string | null;
  mailbox_id: string | null;
  placement_id: number | null;
  uid: number | null;
  email_id: string | null;
  message_id: string | null;
  after: string | null;
}

/** A flag change of one placement: its time and the flag lists before and after (JSON). */
export interface FlagChange {
  at: number;
  before: string | null;
  after: string | null;
}

const COLUMNS = `c.id, c.at, c.actor_login, c.actor_person_id, c.session_id, c.kind, c.action, c.mailbox_id,
  c.message AS message_row, m.email_id, p.uid, c.before, c.after`;
const FROM = 'change c LEFT JOIN placement p ON p.id = c.placement_id LEFT JOIN message m ON m.id = c.message';
const ACTOR = 'c.actor_login, c.actor_person_id, c.session_id';
const ACT = `SELECT c.id AS change_id, c.notification_id, c.at, c.actor_person_id, c.actor_login, c.session_id, s.client_ip, c.mailbox_id, c.placement_id,
  p.uid, m.email_id, m.message_id, c.after
  FROM change c LEFT JOIN placement p ON p.id = c.placement_id LEFT JOIN message m ON m.id = c.message LEFT JOIN session s ON s.session_id = c.session_id`;
/** {@link ACT} with each change's action, to sort the changes of several actions read at once. */
const ACT_WITH_ACTION = ACT.replace('c.after\n', 'c.after, c.action\n');
const FLAG_ACTIONS = "('read', 'trashed', 'flags-set', 'flags-cleared')";

/**
 * Leaves out the echoes of a folder's rename in its messages' timelines (one `renamed` message change per
 * message, for `history --message`): in a folder's or a person's history the folder's own change says it once.
 */
export const NOT_ECHO = "NOT (c.kind = 'message' AND c.action = 'renamed')";

/**
 * A folder's changes and the copies and moves made out of it (their change row names the destination).
 * Named parameters: the same mailboxID is bound three times.
 */
const FOLDER_CHANGES = `
  SELECT ${COLUMNS}, CASE WHEN c.action IN ('copied', 'moved') THEN 'in' END AS direction
  FROM ${FROM}
  WHERE c.mailbox_id = @mailbox AND ${NOT_ECHO}
  UNION ALL
  SELECT ${COLUMNS}, 'out' AS direction
  FROM placement s
  JOIN placement p ON p.source_placement_id = s.id
  JOIN change c ON c.placement_id = p.id AND c.action IN ('copied', 'moved')
  LEFT JOIN message m ON m.id = c.message
  WHERE s.mailbox_id = @mailbox AND p.mailbox_id != @mailbox`;

const OUTSIDE = `FROM ${FROM} LEFT JOIN session s ON s.session_id = c.session_id
  WHERE c.actor_person_id = @person AND c.kind != 'session' AND ${NOT_ECHO} AND (s.person_id IS NULL OR s.person_id != @person)
    AND (@since IS NULL OR c.at >= @since) AND (@until IS NULL OR c.at <= @until)`;

type Bounds = {person: number; since: number | null; until: number | null};

/** Reads the changelog. `limit` -1 is no limit; pages are the newest rows, returned oldest first. */
export class ChangeReader {
  private readonly s;

  constructor(db: Db) {
    this.s = {
      byActor: db.prepare<{person: number; limit: number}, ChangeRow>(`SELECT ${COLUMNS} FROM ${FROM} WHERE c.actor_person_id = @person AND ${NOT_ECHO} ORDER BY c.at DESC, c.id DESC LIMIT @limit`),
      countByActor: db.prepare<[number], {n: number}>(`SELECT count(*) AS n FROM change c WHERE c.actor_person_id = ? AND ${NOT_ECHO}`),
      inSession: db.prepare<{session: string; limit: number}, ChangeRow>(
        `SELECT ${COLUMNS} FROM ${FROM} WHERE c.session_id = @session AND c.kind != 'session' AND ${NOT_ECHO} ORDER BY c.at DESC, c.id DESC LIMIT @limit`,
      ),
      outside: db.prepare<Bounds & {limit: number}, ChangeRow>(`SELECT ${COLUMNS} ${OUTSIDE} ORDER BY c.at DESC, c.id DESC LIMIT @limit`),
      countOutside: db.prepare<Bounds, {n: number}>(`SELECT count(*) AS n ${OUTSIDE}`),
      ofFolder: db.prepare<{mailbox: string; limit: number}, FolderChangeRow>(`SELECT * FROM (${FOLDER_CHANGES}) ORDER BY at DESC, id DESC LIMIT @limit`),
      countOfFolder: db.prepare<{mailbox: string}, {n: number}>(`SELECT count(*) AS n FROM (${FOLDER_CHANGES})`),
      ofPlacements: db.prepare<{placements: string; message: number}, ChangeRow>(
        `SELECT ${COLUMNS} FROM ${FROM}
         WHERE c.placement_id IN (SELECT value FROM json_each(@placements))
            OR (c.placement_id IS NULL AND c.message = @message)
         ORDER BY c.at, c.id`,
      ),
      flagChanges: db.prepare<[number], FlagChange>(`SELECT at, before, after FROM change WHERE placement_id = ? AND action IN ${FLAG_ACTIONS} ORDER BY id`),
      lastFlagChange: db.prepare<[number], {at: number | null}>(`SELECT max(at) AS at FROM change WHERE placement_id = ? AND action IN ${FLAG_ACTIONS}`),
      actor: db.prepare<[number, string], ChangeActor>(`SELECT ${ACTOR} FROM change c WHERE c.placement_id = ? AND c.action = ? ORDER BY c.id LIMIT 1`),
      movedAway: db.prepare<[number], ChangeActor>(
        `SELECT ${ACTOR} FROM placement d JOIN change c ON c.placement_id = d.id AND c.action = 'moved' WHERE d.source_placement_id = ? ORDER BY c.id LIMIT 1`,
      ),
      folderDeleted: db.prepare<[string, number], ChangeActor>(
        `SELECT ${ACTOR} FROM change c WHERE c.mailbox_id = ? AND c.kind = 'folder' AND c.action = 'deleted' AND c.at = ? ORDER BY c.id LIMIT 1`,
      ),
      since: db.prepare<[number, number], ChangedPlace>(
        `SELECT c.kind, c.mailbox_id, p.mailbox_id AS p_mailbox, p.uid_validity AS p_validity, p.uid AS p_uid, s.mailbox_id AS s_mailbox, s.uid_validity AS s_validity, s.uid AS s_uid
         FROM change c LEFT JOIN placement p ON p.id = c.placement_id LEFT JOIN placement s ON s.id = p.source_placement_id AND c.action = 'moved'
         WHERE c.id > ? AND c.id <= ? AND c.kind IN ('message', 'folder')`,
      ),
      lastId: db.prepare<[], {n: number | null}>('SELECT max(id) AS n FROM change'),
      actsIn: db.prepare<[string, string, number, number], ActRow>(`${ACT} WHERE c.mailbox_id IN (SELECT value FROM json_each(?)) AND c.action = ? AND c.at >= ? AND c.at <= ? ORDER BY c.at, c.id`),
      // The person's sessions (index session_by_person), not their changes: a few rows per person, not thousands.
      logins: db.prepare<{person: number; notification: number; ip: string | null}, {n: number; same: number | null}>(
        `SELECT count(*) AS n, sum(client_ip IS @ip) AS same FROM session
         WHERE person_id = @person AND login_notification_id IS NOT NULL AND login_notification_id < @notification`,
      ),
      actsAfter: db.prepare<[number, string], ActRow & {action: ChangeAction}>(`${ACT_WITH_ACTION} WHERE c.id > ? AND c.action IN (SELECT value FROM json_each(?)) ORDER BY c.id`),
      countOf: db.prepare<[number, string, number, number], {n: number}>(`SELECT count(*) AS n FROM change c WHERE c.actor_person_id = ? AND c.action = ? AND c.at >= ? AND c.at <= ?`),
      actsOf: db.prepare<[number, string, number, number], ActRow>(`${ACT} WHERE c.actor_person_id = ? AND c.action = ? AND c.at >= ? AND c.at <= ? ORDER BY c.at, c.id`),
      delivered: db.prepare<[string], SessionDelivery>(
        `SELECT c.message AS message_row, m.email_id, m.message_id, p.mailbox_id, p.uid, c.at
         FROM change c JOIN placement p ON p.id = c.placement_id JOIN message m ON m.id = c.message
         WHERE c.session_id = ? AND c.action = 'delivered' ORDER BY c.id`,
      ),
    };
  }

  /** What person `personId` did (renames' echoes left out): the newest `limit`, oldest first. */
  byActor(personId: number, limit: number): ChangeRow[] {
    return this.s.byActor.all({person: personId, limit}).reverse();
  }

  countByActor(personId: number): number {
    return this.s.countByActor.get(personId)?.n ?? 0;
  }

  /** What was done in session `sessionId` (Login and Logout left out): the newest `limit`, oldest first. */
  inSession(sessionId: string, limit: number): ChangeRow[] {
    return this.s.inSession.all({session: sessionId, limit}).reverse();
  }

  /** What person `personId` did in the bounds (inclusive, ms) outside their own sessions: newest `limit`, oldest first. */
  outsideSessions(bounds: Bounds, limit: number): ChangeRow[] {
    return this.s.outside.all({...bounds, limit}).reverse();
  }

  countOutsideSessions(bounds: Bounds): number {
    return this.s.countOutside.get(bounds)?.n ?? 0;
  }

  /** Folder `mailboxId`'s changes and the copies and moves made out of it: the newest `limit`, oldest first. */
  ofFolder(mailboxId: string, limit: number): FolderChangeRow[] {
    return this.s.ofFolder.all({mailbox: mailboxId, limit}).reverse();
  }

  countOfFolder(mailboxId: string): number {
    return this.s.countOfFolder.get({mailbox: mailboxId})?.n ?? 0;
  }

  /** The changes of these placements, and those of message `message` that name no placement, oldest first. */
  ofPlacements(placementIds: readonly number[], message: number): ChangeRow[] {
    return this.s.ofPlacements.all({placements: JSON.stringify(placementIds), message});
  }

  /** The placement's flag changes (read, trashed, flags set or cleared), in the order recorded. */
  flagChanges(placementId: number): FlagChange[] {
    return this.s.flagChanges.all(placementId);
  }

  /** When the placement's flags last changed (ms), if ever. */
  lastFlagChangeAt(placementId: number): number | undefined {
    return this.s.lastFlagChange.get(placementId)?.at ?? undefined;
  }

  /** Who did `action` to the placement (the first such change). */
  actorOf(placementId: number, action: string): ChangeActor | undefined {
    return this.s.actor.get(placementId, action);
  }

  /** Who moved the placement away: the actor of the move that made a placement from it. */
  movedAwayBy(placementId: number): ChangeActor | undefined {
    return this.s.movedAway.get(placementId);
  }

  /** Who deleted folder `mailboxId` at `at` (ms). */
  folderDeletedBy(mailboxId: string, at: number): ChangeActor | undefined {
    return this.s.folderDeleted.get(mailboxId, at);
  }

  /** Message and folder changes with ids in (`afterId`, `upTo`], with the places they touched. */
  changedPlaces(afterId: number, upTo: number): ChangedPlace[] {
    return this.s.since.all(afterId, upTo);
  }

  /**
   * What Cyrus delivered in session `sessionId` (an LMTP session: the `SESSIONID=<...>` of lmtpd's 250
   * reply, which an MTA logs), oldest first. issue 18: the join of a transport delivery to the mailbox.
   */
  deliveredInSession(sessionId: string): SessionDelivery[] {
    return this.s.delivered.all(sessionId);
  }

  /**
   * The changes of each of `actions` with ids after `afterId` (those a batch has just written), in one pass
   * over them: each action's in the order written.
   */
  actsAfterOf(afterId: number, actions: readonly ChangeAction[]): Map<ChangeAction, ActRow[]> {
    const byAction = new Map<ChangeAction, ActRow[]>(actions.map((a) => [a, []]));
    if (actions.length === 0) return byAction;
    for (const {action, ...act} of this.s.actsAfter.all(afterId, JSON.stringify(actions))) byAction.get(action)?.push(act);
    return byAction;
  }

  /** How many changes of `action` person `personId` made in [`from`, `to`] (ms): {@link actsOf}'s count, without reading them. */
  countOf(personId: number, action: ChangeAction, from: number, to: number): number {
    return this.s.countOf.get(personId, action, from, to)?.n ?? 0;
  }

  /** Person `personId`'s changes of `action` in [`from`, `to`] (ms), by time. */
  actsOf(personId: number, action: ChangeAction, from: number, to: number): ActRow[] {
    return this.s.actsOf.all(personId, action, from, to);
  }

  /** Changes of `action` in the folders `mailboxIds` in [`from`, `to`] (ms), by time. */
  actsIn(mailboxIds: readonly string[], action: ChangeAction, from: number, to: number): ActRow[] {
    return this.s.actsIn.all(JSON.stringify(mailboxIds), action, from, to);
  }

  /** Person `personId`'s logins (sessions) recorded before notification `notificationId`: how many, and how many from client address `ip`. */
  loginsBefore(personId: number, notificationId: number, ip: string | null): {logins: number; fromAddress: number} {
    const row = this.s.logins.get({person: personId, notification: notificationId, ip});
    return {logins: row?.n ?? 0, fromAddress: row?.same ?? 0};
  }

  /** The newest change's id; 0 when there is none. */
  lastId(): number {
    return this.s.lastId.get()?.n ?? 0;
  }
}
