/**
 * What operators did to the queue: the `queue_action` table (migration 10), immutable and undeletable.
 * Job state and a quarantined delivery's resolution may change; each change is recorded here with who made
 * it, when, from what state, and why (the operator's own words), so an auditor can see who re-queued what.
 */
import {isoTime} from '../../core/time.js';
import {userInfo} from 'node:os';
import type {Db} from '../../base/catalog/catalog.js';

export type QueueActionKind = 'job-retry' | 'quarantine-requeue' | 'quarantine-acknowledge';

/** One recorded action, as listed. */
export interface QueueAction {
  /** When (ISO). */
  at: string;
  /** Login that ran the command, with the sudo user behind it (`root (sudo by alice)`). */
  actor: string;
  action: QueueActionKind;
  notificationId: number | null;
  quarantineId: number | null;
  /** The job's state before (job-retry), or the delivery's resolution before (null: none). */
  fromState: string | null;
  /** What was done, in words. */
  detail: string;
  /** Why, as the operator wrote it (`--reason`). */
  reason: string | null;
}

/** Who runs this process, for the record: the login, and the sudo user behind it when there is one. */
export function operatorName(env: NodeJS.ProcessEnv = process.env): string {
  let login: string;
  try {
    login = userInfo().username;
  } catch {
    // A uid with no passwd entry (a container): the number is all there is.
    login = `uid ${process.getuid?.() ?? 'unknown'}`;
  }
  const sudo = env.SUDO_USER;
  return sudo !== undefined && sudo !== '' && sudo !== login ? `${login} (sudo by ${sudo})` : login;
}

type Row = {at: number; actor: string; action: QueueActionKind; notification_id: number | null; quarantine_id: number | null; from_state: string | null; detail: string; reason: string | null};

const toAction = (r: Row): QueueAction => ({
  at: isoTime(r.at),
  actor: r.actor,
  action: r.action,
  notificationId: r.notification_id,
  quarantineId: r.quarantine_id,
  fromState: r.from_state,
  detail: r.detail,
  reason: r.reason,
});

/** The `queue_action` repository. Prepare once per connection; record inside the caller's transaction. */
export class QueueActions {
  private readonly insert;
  private readonly byNotification;
  private readonly byQuarantine;

  constructor(db: Db) {
    this.insert = db.prepare<{at: number; actor: string; action: QueueActionKind; notification: number | null; quarantine: number | null; from: string | null; detail: string; reason: string | null}>(
      `INSERT INTO queue_action (at, actor, action, notification_id, quarantine_id, from_state, detail, reason)
       VALUES (@at, @actor, @action, @notification, @quarantine, @from, @detail, @reason)`,
    );
    this.byNotification = db.prepare<[number], Row>('SELECT * FROM queue_action WHERE notification_id = ? ORDER BY id');
    this.byQuarantine = db.prepare<[number], Row>('SELECT * FROM queue_action WHERE quarantine_id = ? ORDER BY id');
  }

  record(action: {at: number; actor: string; action: QueueActionKind; notificationId?: number; quarantineId?: number; fromState: string | null; detail: string; reason: string | undefined}): void {
    this.insert.run({
      at: action.at,
      actor: action.actor,
      action: action.action,
      notification: action.notificationId ?? null,
      quarantine: action.quarantineId ?? null,
      from: action.fromState,
      detail: action.detail,
      reason: action.reason ?? null,
    });
  }

  /** Actions on one job, oldest first. */
  forJob(notificationId: number): QueueAction[] {
    return this.byNotification.all(notificationId).map(toAction);
  }

  /** Actions on one quarantined delivery, oldest first. */
  forQuarantined(quarantineId: number): QueueAction[] {
    return this.byQuarantine.all(quarantineId).map(toAction);
  }
}
