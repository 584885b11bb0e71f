/**
 * Messages and where they have been. A message is identified by Cyrus' emailid (its content identity:
 * every copy shares it); a placement is the message in one folder under one UID. COPY and MOVE create a
 * placement that names its source placement, so a message can be followed anywhere (folder renames keep
 * the mailboxID, hence the placements). Flags are kept per placement.
 */
import type {Db} from '../../base/catalog/catalog.js';
import type {Envelope} from '../../core/event/types.js';

export type Origin = 'appended' | 'delivered' | 'copied' | 'moved' | 'first-seen';
export type Removal = 'expunged' | 'expired' | 'moved' | 'folder-deleted';

export interface Placement {
  id: number;
  message: number;
  flags: string[];
  removedAt: number | null;
}

export interface MessageFacts {
  emailId: string | undefined;
  messageId: string | undefined;
  envelope: Envelope | undefined;
  size: number | undefined;
}

interface PlacementRow {
  id: number;
  message: number;
  flags: string;
  removed_at: number | null;
}

export class Messages {
  private readonly byEmailId;
  private readonly insertMessage;
  private readonly placementAt;
  private readonly insertPlacement;
  private readonly setFlags;
  private readonly remove;
  private readonly removeFolder;
  private readonly emailIdOf;
  private readonly enrich;
  private readonly repointPlacements;
  private readonly repointChanges;
  private readonly dropMessage;
  private readonly settle;
  private readonly flagChanges;

  constructor(db: Db) {
    this.byEmailId = db.prepare<[string], {id: number}>('SELECT id FROM message WHERE email_id = ?');
    this.insertMessage = db.prepare<{emailId: string | null; messageId: string | null; subject: string | null; sender: string | null; date: string | null; envelope: string | null; size: number | null; at: number; nid: number}, {id: number}>(
      `INSERT INTO message (email_id, message_id, subject, sender, sent_date, envelope, size, first_seen_at, first_notification_id)
       VALUES (@emailId, @messageId, @subject, @sender, @date, @envelope, @size, @at, @nid) RETURNING id`,
    );
    this.placementAt = db.prepare<{mailbox: string; validity: number | null; uid: number}, PlacementRow>(
      'SELECT id, message, flags, removed_at FROM placement WHERE mailbox_id = @mailbox AND uid_validity IS @validity AND uid = @uid',
    );
    // RETURNING gives the row as it stands after the statement: the new one, or the one already there.
    this.insertPlacement = db.prepare<{mailbox: string; validity: number | null; uid: number; message: number; origin: Origin; source: number | null; flags: string; at: number; nid: number}, PlacementRow>(
      `INSERT INTO placement (mailbox_id, uid_validity, uid, message, origin, source_placement_id, flags, added_at, added_notification)
       VALUES (@mailbox, @validity, @uid, @message, @origin, @source, @flags, @at, @nid)
       ON CONFLICT (mailbox_id, uid_validity, uid) DO UPDATE SET flags = flags
       RETURNING id, message, flags, removed_at`,
    );
    this.setFlags = db.prepare<[string, number]>('UPDATE placement SET flags = ? WHERE id = ?');
    this.remove = db.prepare<[number, Removal, number]>('UPDATE placement SET removed_at = ?, removal = ? WHERE id = ? AND removed_at IS NULL');
    this.emailIdOf = db.prepare<[number], {email_id: string | null}>('SELECT email_id FROM message WHERE id = ?');
    this.enrich = db.prepare<{id: number; at: number; emailId: string | null; messageId: string | null; subject: string | null; sender: string | null; date: string | null; envelope: string | null; size: number | null}>(
      `UPDATE message SET email_id = coalesce(email_id, @emailId), message_id = coalesce(@messageId, message_id), subject = coalesce(@subject, subject),
         sender = coalesce(@sender, sender), sent_date = coalesce(@date, sent_date), envelope = coalesce(@envelope, envelope), size = coalesce(@size, size),
       first_seen_at = min(first_seen_at, @at)
       WHERE id = @id`,
    );
    this.repointPlacements = db.prepare<[number, number]>('UPDATE placement SET message = ? WHERE message = ?');
    this.repointChanges = db.prepare<[number, number]>('UPDATE change SET message = ? WHERE message = ?');
    this.dropMessage = db.prepare<[number]>('DELETE FROM message WHERE id = ?');
    this.settle = db.prepare<{id: number; origin: Origin; at: number; nid: number}>(
      "UPDATE placement SET origin = @origin, added_at = @at, added_notification = @nid WHERE id = @id AND origin = 'first-seen'",
    );
    this.flagChanges = db.prepare<[number], {before: string | null; after: string | null}>("SELECT before, after FROM change WHERE placement_id = ? AND action IN ('flags-cleared', 'flags-set', 'read', 'trashed')");
    this.removeFolder = db.prepare<[number, string]>("UPDATE placement SET removed_at = ?, removal = 'folder-deleted' WHERE mailbox_id = ? AND removed_at IS NULL");
  }

  /** The placement at (folder, UIDVALIDITY, UID), if known. */
  find(mailboxId: string, uidValidity: number | null, uid: number): Placement | undefined {
    const row = this.placementAt.get({mailbox: mailboxId, validity: uidValidity, uid});
    return row === undefined ? undefined : {id: row.id, message: row.message, flags: JSON.parse(row.flags) as string[], removedAt: row.removed_at};
  }

  /** The message with these facts: the one with the same emailid, or a new one. */
  message(facts: MessageFacts, at: number, nid: number): number {
    if (facts.emailId !== undefined) {
      const known = this.byEmailId.get(facts.emailId);
      if (known !== undefined) return known.id;
    }
    const envelope = facts.envelope;
    const sender = envelope?.from[0]?.address ?? null;
    return (
      this.insertMessage.get({
        emailId: facts.emailId ?? null,
        messageId: facts.messageId ?? envelope?.messageId ?? null,
        subject: envelope?.subject ?? null,
        sender,
        date: envelope?.date ?? null,
        envelope: envelope === undefined ? null : JSON.stringify(envelope),
        size: facts.size ?? null,
        at,
        nid,
      }) as {id: number}
    ).id;
  }

  /**
   * An APPEND or delivery whose event arrived after other events had already shown its placement (a
   * flag change first seen, its message known only by Message-ID): the placement gets its true origin
   * and the message its facts; if those facts name a message already known (same emailid), the two
   * become one, with every placement and change of the provisional one.
   */
  arrivedLate(placement: Placement, facts: MessageFacts, origin: Origin, at: number, nid: number): number {
    this.settle.run({id: placement.id, origin, at, nid});
    const known = facts.emailId === undefined ? undefined : this.byEmailId.get(facts.emailId)?.id;
    if (known !== undefined && known !== placement.message) {
      if (this.emailIdOf.get(placement.message)?.email_id != null) return placement.message; // two contents: leave both
      this.repointPlacements.run(known, placement.message);
      this.repointChanges.run(known, placement.message);
      this.dropMessage.run(placement.message);
      return known;
    }
    const envelope = facts.envelope;
    this.enrich.run({
      id: placement.message,
      at,
      emailId: facts.emailId ?? null,
      messageId: facts.messageId ?? envelope?.messageId ?? null,
      subject: envelope?.subject ?? null,
      sender: envelope?.from[0]?.address ?? null,
      date: envelope?.date ?? null,
      envelope: envelope === undefined ? null : JSON.stringify(envelope),
      size: facts.size ?? null,
    });
    return placement.message;
  }

  /** Whether a change recorded for the placement removed `flag` (compared case-insensitively). */
  wasCleared(placement: Placement, flag: string): boolean {
    const lower = flag.toLowerCase();
    const has = (json: string | null) => Array.isArray(JSON.parse(json ?? 'null')) && (JSON.parse(json as string) as string[]).some((f) => f.toLowerCase() === lower);
    return this.flagChanges.all(placement.id).some((change) => has(change.before) && !has(change.after));
  }

  /** Records a placement (idempotent for the same folder and UID); returns it. */
  place(mailboxId: string, uidValidity: number | null, uid: number, message: number, origin: Origin, source: number | undefined, flags: string[], at: number, nid: number): Placement {
    const row = this.insertPlacement.get({mailbox: mailboxId, validity: uidValidity, uid, message, origin, source: source ?? null, flags: JSON.stringify(flags), at, nid}) as PlacementRow;
    return {id: row.id, message: row.message, flags: JSON.parse(row.flags) as string[], removedAt: row.removed_at};
  }

  /** Sets a placement's flags; returns false when they did not change. */
  updateFlags(placement: Placement, flags: string[]): boolean {
    const next = JSON.stringify(flags);
    if (next === JSON.stringify(placement.flags)) return false;
    this.setFlags.run(next, placement.id);
    return true;
  }

  /** Marks a placement removed; false when it already was (e.g. the expunge that follows a move). */
  removed(placement: Placement, removal: Removal, at: number): boolean {
    return this.remove.run(at, removal, placement.id).changes === 1;
  }

  /** Every placement still in a deleted folder is gone with it. */
  folderDeleted(mailboxId: string, at: number): void {
    this.removeFolder.run(at, mailboxId);
  }
}

/** Flags as a set in canonical order (system flags first, then keywords; case-insensitive, first spelling kept). */
export function normalizeFlags(flags: Iterable<string>): string[] {
  const seen = new Map<string, string>();
  for (const flag of flags) if (!seen.has(flag.toLowerCase())) seen.set(flag.toLowerCase(), flag);
  return [...seen.values()].sort((a, b) => Number(!a.startsWith('\\')) - Number(!b.startsWith('\\')) || a.localeCompare(b));
}

/** Where message `message` has been placed (folder, UID, when added and removed, ms), oldest first. */
export function placementsOf(db: Db, message: number): Array<{mailbox_id: string; uid: number; added_at: number; removed_at: number | null}> {
  return db
    .prepare<[number], {mailbox_id: string; uid: number; added_at: number; removed_at: number | null}>('SELECT mailbox_id, uid, added_at, removed_at FROM placement WHERE message = ? ORDER BY added_at')
    .all(message);
}

/**
 * The message the record placed at UID `uid` of mailbox `mailboxId` (the newest placement there); a
 * `uidValidity` of 0 matches any. Prepare once, ask per search hit.
 */
export class MessageAtPlacement {
  private readonly statement;

  constructor(db: Db) {
    this.statement = db.prepare<{mailbox: string; uid: number; validity: number}, {id: number; email_id: string | null}>(
      `SELECT m.id, m.email_id FROM placement p JOIN message m ON m.id = p.message
       WHERE p.mailbox_id = @mailbox AND p.uid = @uid AND (p.uid_validity IS NULL OR p.uid_validity = @validity OR @validity = 0) ORDER BY p.id DESC LIMIT 1`,
    );
  }

  get(mailboxId: string, uid: number, uidValidity: number): {id: number; emailId: string | null} | undefined {
    const row = this.statement.get({mailbox: mailboxId, uid, validity: uidValidity});
    return row === undefined ? undefined : {id: row.id, emailId: row.email_id};
  }
}

/** A message as the record can be asked for it (discovery/refs.ts writes and parses these as text). */
export type MessageKey =
  | {kind: 'email-id'; emailId: string}
  | {kind: 'message'; id: number}
  | {kind: 'message-id'; messageId: string}
  | {kind: 'placement'; folder: string; uid: number};

/** A message that matches a {@link MessageKey}, with what tells candidates apart. */
export interface MessageCandidate {
  id: number;
  email_id: string | null;
  subject: string | null;
  sent_date: string | null;
  first_seen_at: number;
}

const CANDIDATE_COLUMNS = 'm.id, m.email_id, m.subject, m.sent_date, m.first_seen_at';

/** The messages `key` matches, by row id. */
export function findMessages(db: Db, key: MessageKey): MessageCandidate[] {
  switch (key.kind) {
    case 'email-id':
      return db.prepare<[string], MessageCandidate>(`SELECT ${CANDIDATE_COLUMNS} FROM message m WHERE m.email_id = ?`).all(key.emailId);
    case 'message':
      return db.prepare<[number], MessageCandidate>(`SELECT ${CANDIDATE_COLUMNS} FROM message m WHERE m.id = ?`).all(key.id);
    case 'message-id':
      return db.prepare<[string], MessageCandidate>(`SELECT ${CANDIDATE_COLUMNS} FROM message m WHERE m.message_id = ? ORDER BY m.id`).all(key.messageId);
    case 'placement':
      return findByPlacement(db, key.folder, key.uid);
  }
}

/**
 * Messages placed at `folder:uid`. `folder` is a mailboxID, or a name the folder has now (the last one,
 * if it was deleted) or had at some time while the message was there: a folder renamed since, or a name
 * reused by a later folder, still finds the message that was there then.
 */
function findByPlacement(db: Db, folder: string, uid: number): MessageCandidate[] {
  const byId = db
    .prepare<[string, number], MessageCandidate>(
      `SELECT DISTINCT ${CANDIDATE_COLUMNS} FROM placement p JOIN message m ON m.id = p.message WHERE p.mailbox_id = ? AND p.uid = ? ORDER BY m.id`,
    )
    .all(folder, uid);
  if (byId.length > 0) return byId;
  return db
    .prepare<{name: string; uid: number}, MessageCandidate>(
      `SELECT DISTINCT ${CANDIDATE_COLUMNS}
       FROM placement p
       JOIN folder_version v ON v.mailbox_id = p.mailbox_id AND v.name = @name
       JOIN message m ON m.id = p.message
       WHERE p.uid = @uid
         AND (v.valid_to IS NULL OR (v.valid_from <= coalesce(p.removed_at, v.valid_from) AND v.valid_to >= p.added_at))
       ORDER BY m.id`,
    )
    .all({name: folder, uid});
}
