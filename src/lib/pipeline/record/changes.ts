/** The per-item changelog (audit trail): one row per thing that happened to a message, folder or session. */
import type {Db} from '../../base/catalog/catalog.js';

export type ChangeKind = 'message' | 'folder' | 'session' | 'quota';

/** Every action the changelog records, for queries and documentation. */
export const CHANGE_ACTIONS = [
  'login',
  'logout',
  'created',
  'renamed',
  'deleted',
  'subscribed',
  'unsubscribed',
  'acl-granted',
  'acl-revoked',
  'appended',
  'delivered',
  'copied',
  'moved',
  'read',
  'trashed',
  'flags-set',
  'flags-cleared',
  'expunged',
  'expired',
  'quota-changed',
] as const;

export type ChangeAction = (typeof CHANGE_ACTIONS)[number];

export interface Change {
  notificationId: number;
  at: number;
  actorPersonId: number | undefined;
  actorLogin: string | undefined;
  sessionId: string | undefined;
  kind: ChangeKind;
  action: ChangeAction;
  mailboxId?: string | undefined;
  placementId?: number | undefined;
  message?: number | undefined;
  before?: unknown;
  after?: unknown;
}

export class Changes {
  private readonly insert;
  private readonly insertPerPlacement;

  constructor(db: Db) {
    this.insert = db.prepare<{nid: number; at: number; actor: number | null; login: string | null; session: string | null; kind: ChangeKind; action: ChangeAction; mailbox: string | null; placement: number | null; message: number | null; before: string | null; after: string | null}>(
      `INSERT INTO change (notification_id, at, actor_person_id, actor_login, session_id, kind, action, mailbox_id, placement_id, message, before, after)
       VALUES (@nid, @at, @actor, @login, @session, @kind, @action, @mailbox, @placement, @message, @before, @after)`,
    );
    this.insertPerPlacement = db.prepare<{nid: number; at: number; actor: number | null; login: string | null; session: string | null; action: ChangeAction; mailbox: string; before: string | null; after: string | null}>(
      `INSERT INTO change (notification_id, at, actor_person_id, actor_login, session_id, kind, action, mailbox_id, placement_id, message, before, after)
       SELECT @nid, @at, @actor, @login, @session, 'message', @action, @mailbox, p.id, p.message, @before, @after
       FROM placement p WHERE p.mailbox_id = @mailbox AND p.removed_at IS NULL ORDER BY p.id`,
    );
  }

  /**
   * Records `change` once for every message still in its folder (`mailboxId`), as a message change of
   * that placement: what happens to a folder (a rename) belongs in its messages' timelines. One statement,
   * however many messages the folder holds. Returns how many rows were written.
   */
  recordForEachMessage(change: Omit<Change, 'kind' | 'placementId' | 'message'> & {mailboxId: string}): number {
    return this.insertPerPlacement.run({
      nid: change.notificationId,
      at: change.at,
      actor: change.actorPersonId ?? null,
      login: change.actorLogin ?? null,
      session: change.sessionId ?? null,
      action: change.action,
      mailbox: change.mailboxId,
      before: change.before === undefined ? null : JSON.stringify(change.before),
      after: change.after === undefined ? null : JSON.stringify(change.after),
    }).changes;
  }

  record(change: Change): void {
    this.insert.run({
      nid: change.notificationId,
      at: change.at,
      actor: change.actorPersonId ?? null,
      login: change.actorLogin ?? null,
      session: change.sessionId ?? null,
      kind: change.kind,
      action: change.action,
      mailbox: change.mailboxId ?? null,
      placement: change.placementId ?? null,
      message: change.message ?? null,
      before: change.before === undefined ? null : JSON.stringify(change.before),
      after: change.after === undefined ? null : JSON.stringify(change.after),
    });
  }
}
