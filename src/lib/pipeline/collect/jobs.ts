/**
 * The collector's jobs: which messages need their bytes archived. Read from the notification table in
 * arrival order with a watermark (collect_scan), like gap detection: every MessageNew, MessageAppend,
 * vnd.cmu.MessageCopy and vnd.cmu.MessageMove gives one job per destination UID.
 *
 * With `folderSnapshots` (imap_url and folder_metadata set), every MailboxCreate and MailboxRename also
 * queues a reconcile job for that folder, whose snapshot then records its metadata (reconcile.ts).
 * An arrival naming more UIDs than MAX_UIDSET_UIDS (valid IMAP, impossible in a folder) gets no per-UID
 * jobs but a reconcile job of its folder, whose reason names the event and the set.
 *
 * Contracts: incremental, each batch of notifications in one transaction, safe to run again (a message
 * already known keeps its job: UNIQUE (mailbox_id, uid_validity, uid)).
 */
import {isoTime} from '../../core/time.js';
import type {Db} from '../../base/catalog/catalog.js';
import {afterFailure, COLLECT_RETRY_BASE_MS, COLLECT_STORED_STATE, collectJobState, isDue, retryPolicy} from '../../core/job-lifecycle.js';
import {parseNotification} from '../../core/event/parse.js';
import {perUidProblem} from '../../core/event/uidset.js';
import {NotificationLog} from '../queue/notifications.js';
import {FolderReader} from '../record/folders.js';
import {ReconcileJobs} from '../capture/reconcile-jobs.js';

const BATCH_NOTIFICATIONS = 5000;
/** Events that give a message UID new bytes to collect (a copy or move is a hard link: stored once). */
export const ARRIVALS: ReadonlySet<string> = new Set(['MessageNew', 'MessageAppend', 'vnd.cmu.MessageCopy', 'vnd.cmu.MessageMove']);

/**
 * How collect_job stores the job lifecycle's states (core/job-lifecycle.ts): `unrecoverable` is `dead`, and
 * `pending` with attempts made is `failed`, waiting for its back-off.
 */
export type CollectJobState = 'pending' | 'done' | 'unrecoverable';

/** A job that failed waits this long after its first attempt, doubled after each further one (ms). */
export const RETRY_STEP_MS = COLLECT_RETRY_BASE_MS;

/** One message the collector must (or did) store. */
export interface CollectJob {
  id: number;
  mailboxId: string;
  mailboxName: string;
  /** 0 when the event carried none. */
  uidValidity: number;
  uid: number;
  notificationId: number;
  state: CollectJobState;
  attempts: number;
  lastError: string | null;
  /** The blob (SHA-256 of the bytes) once `done`. */
  sha256: Buffer | null;
}

/** Events after which a folder's snapshot (with its metadata) is taken over IMAP. */
export const FOLDER_EVENTS: ReadonlySet<string> = new Set(['MailboxCreate', 'MailboxRename']);

export interface JobScanSummary {
  /** Notifications read. */
  scanned: number;
  /** Jobs created. */
  created: number;
  /** Reconcile jobs queued: new or renamed folders (folder metadata), arrivals naming too many UIDs. */
  folders: number;
}

export interface ScanOptions {
  /** Queue a reconcile job for each MailboxCreate and MailboxRename. */
  folderSnapshots?: boolean;
}

/** Reads the notifications received since the last scan and creates their jobs. */
export function scanForJobs(db: Db, now = Date.now(), options: ScanOptions = {}): JobScanSummary {
  const s = prepare(db);
  const notifications = new NotificationLog(db);
  const reconcile = new ReconcileJobs(db);
  const folderSnapshots = options.folderSnapshots === true;
  const total: JobScanSummary = {scanned: 0, created: 0, folders: 0};
  for (;;) {
    const batch = db
      .transaction(() => {
        const watermark = s.watermark.get()?.last_notification_id ?? 0;
        const rows = notifications.page(watermark, BATCH_NOTIFICATIONS);
        let created = 0;
        let folders = 0;
        for (const row of rows) {
          const arrival = ARRIVALS.has(row.event_type);
          if (!arrival && !(folderSnapshots && FOLDER_EVENTS.has(row.event_type))) continue;
          const parsed = parseNotification(row.raw.toString('utf8'));
          if (!parsed.ok) continue;
          const {event} = parsed;
          const mailboxId = event.mailboxId;
          if (mailboxId === undefined) continue;
          if (!arrival) {
            // A folder moved into DELETED (delayed delete) has nothing left to snapshot over IMAP.
            if (event.mailbox !== undefined && event.mailbox.deletedAt === undefined) {
              folders += reconcile.queueFolder(mailboxId, event.mailbox.name, `${row.event_type}: snapshot with folder metadata`, now);
            }
            continue;
          }
          const tooMany = perUidProblem(event.uids);
          if (tooMany !== undefined) {
            // One job per UID would never end: the folder is re-read whole instead, and the reason kept.
            folders += reconcile.queueFolder(mailboxId, event.mailbox?.name ?? mailboxId, `${row.event_type} (notification ${row.id}): ${tooMany}; the folder is re-read instead`, now);
            continue;
          }
          for (const uid of event.uids) {
            created += s.insert.run({mailboxId, name: event.mailbox?.name ?? mailboxId, uidValidity: event.mailbox?.uidValidity ?? 0, uid, notificationId: row.id, now}).changes;
          }
        }
        if (rows.length > 0) s.setWatermark.run((rows.at(-1) as {id: number}).id);
        return {scanned: rows.length, created, folders};
      })
      .immediate();
    total.scanned += batch.scanned;
    total.created += batch.created;
    total.folders += batch.folders;
    if (batch.scanned < BATCH_NOTIFICATIONS) return total;
  }
}

function prepare(db: Db) {
  return {
    watermark: db.prepare<[], {last_notification_id: number}>('SELECT last_notification_id FROM collect_scan WHERE id = 1'),
    setWatermark: db.prepare<[number]>('INSERT INTO collect_scan (id, last_notification_id) VALUES (1, ?) ON CONFLICT (id) DO UPDATE SET last_notification_id = excluded.last_notification_id'),
    insert: db.prepare<{mailboxId: string; name: string; uidValidity: number; uid: number; notificationId: number; now: number}>(
      `INSERT INTO collect_job (mailbox_id, mailbox_name, uid_validity, uid, notification_id, created_at, updated_at)
       VALUES (@mailboxId, @name, @uidValidity, @uid, @notificationId, @now, @now) ON CONFLICT DO NOTHING`,
    ),
  };
}

interface JobRow {
  id: number;
  mailbox_id: string;
  mailbox_name: string;
  uid_validity: number;
  uid: number;
  notification_id: number;
  state: CollectJobState;
  attempts: number;
  last_error: string | null;
  sha256: Buffer | null;
}

function toJob(r: JobRow): CollectJob {
  return {
    id: r.id,
    mailboxId: r.mailbox_id,
    mailboxName: r.mailbox_name,
    uidValidity: r.uid_validity,
    uid: r.uid,
    notificationId: r.notification_id,
    state: r.state,
    attempts: r.attempts,
    lastError: r.last_error,
    sha256: r.sha256,
  };
}

/** The job table's operations the collector needs; statements prepared once. */
export class CollectJobs {
  private readonly s;
  private readonly notifications;
  private readonly folders;

  constructor(private readonly db: Db) {
    this.notifications = new NotificationLog(db);
    this.folders = new FolderReader(db);
    this.s = {
      // Failed jobs are filtered out by the lifecycle's back-off (see pending()).
      pending: db.prepare<{afterId: number; limit: number}, JobRow & {updated_at: number}>(
        "SELECT * FROM collect_job WHERE state = 'pending' AND id > @afterId ORDER BY id LIMIT @limit",
      ),
      countPending: db.prepare<[], {n: number}>("SELECT count(*) AS n FROM collect_job WHERE state = 'pending'"),
      // A success is not an attempt (the lifecycle): attempts count failures only.
      done: db.prepare<{id: number; sha256: Buffer; now: number}>("UPDATE collect_job SET state = 'done', sha256 = @sha256, last_error = NULL, updated_at = @now WHERE id = @id"),
      attempts: db.prepare<[number], {attempts: number}>('SELECT attempts FROM collect_job WHERE id = ?'),
      settle: db.prepare<{id: number; state: CollectJobState; attempts: number; error: string; now: number}>(
        'UPDATE collect_job SET state = @state, attempts = @attempts, last_error = @error, updated_at = @now WHERE id = @id',
      ),
      find: db.prepare<[string, number, number], JobRow>('SELECT * FROM collect_job WHERE mailbox_id = ? AND uid_validity = ? AND uid = ?'),
      list: db.prepare<[], JobRow>('SELECT * FROM collect_job ORDER BY id'),
    };
  }

  /**
   * Pending jobs after job `afterId` that are due at `now`, oldest first: a failed one waits out the
   * lifecycle's back-off ({@link RETRY_STEP_MS} after the first attempt), so that --follow does not spend
   * a job's max_attempts within seconds.
   */
  pending(afterId: number, limit: number, now = Number.MAX_SAFE_INTEGER): CollectJob[] {
    const policy = retryPolicy(Number.MAX_SAFE_INTEGER, COLLECT_RETRY_BASE_MS);
    const due: CollectJob[] = [];
    // Each further page asks only for what is still missing: the caller resumes after the last job returned.
    for (let after = afterId; ; ) {
      const want = limit - due.length;
      const rows = this.s.pending.all({afterId: after, limit: want});
      for (const r of rows) {
        if (isDue({state: collectJobState(r.state, r.attempts), attempts: r.attempts, updatedAt: r.updated_at}, policy, now)) due.push(toJob(r));
      }
      const last = rows.at(-1);
      if (last === undefined || rows.length < want || due.length === limit) return due;
      after = last.id;
    }
  }

  /** The name of mailbox `mailboxId` in the newest notification about it (it may have been renamed since a job's event). */
  latestName(mailboxId: string): string | undefined {
    return this.knownFolder(mailboxId).name;
  }

  /**
   * What the catalog knows of mailbox `mailboxId` now: its newest name, and whether it was deleted: its
   * newest notification is a MailboxDelete or a rename into DELETED (delayed delete), or the record marks
   * it deleted (a parent's deletion may send no event for its children).
   */
  knownFolder(mailboxId: string): KnownFolder {
    const row = this.notifications.latestAbout(mailboxId);
    const parsed = row === undefined ? undefined : parseNotification(row.raw.toString('utf8'));
    const event = parsed?.ok === true ? parsed.event : undefined;
    const known: KnownFolder = {name: event?.mailbox?.deletedAt === undefined ? event?.mailbox?.name : undefined};
    if (row !== undefined && (row.event_type === 'MailboxDelete' || event?.mailbox?.deletedAt !== undefined)) {
      known.deleted = `deleted (notification ${row.id}, ${row.event_type})`;
    } else {
      const deletedAt = this.folders.deletedAt(mailboxId);
      if (deletedAt !== undefined) known.deleted = `deleted at ${isoTime(deletedAt)} (the record)`;
    }
    return known;
  }

  countPending(): number {
    return this.s.countPending.get()?.n ?? 0;
  }

  /**
   * Records a batch's outcomes in one transaction, by the job lifecycle: `unrecoverable` is a permanent
   * failure (dead at once); a job failing its `maxAttempts`th time is dead (stored `unrecoverable`) too.
   */
  record(outcomes: readonly JobOutcome[], now: number, maxAttempts = Number.MAX_SAFE_INTEGER): void {
    const policy = retryPolicy(maxAttempts, COLLECT_RETRY_BASE_MS);
    this.db.transaction(() => {
      for (const o of outcomes) {
        if (o.kind === 'done') {
          this.s.done.run({id: o.jobId, sha256: o.sha256, now});
          continue;
        }
        const attempts = this.s.attempts.get(o.jobId)?.attempts;
        if (attempts === undefined) continue;
        const outcome = o.kind === 'unrecoverable' ? afterFailure(attempts, o.reason, policy, now, true) : afterFailure(attempts, o.error, policy, now);
        this.s.settle.run({id: o.jobId, state: COLLECT_STORED_STATE[outcome.state], attempts: outcome.attempts, error: outcome.error, now});
      }
    })();
  }

  /** The job (and so the link to its blob) of one message. */
  find(mailboxId: string, uidValidity: number, uid: number): CollectJob | undefined {
    const row = this.s.find.get(mailboxId, uidValidity, uid);
    return row === undefined ? undefined : toJob(row);
  }

  /** Every job, oldest first. */
  list(): CollectJob[] {
    return this.s.list.all().map(toJob);
  }
}

/** What the catalog knows of a folder now (by mailboxID). */
export interface KnownFolder {
  /** Its newest name; undefined when unknown or only a DELETED. name is known. */
  name?: string | undefined;
  /** Why it is known to be deleted; undefined when it is not. */
  deleted?: string;
}

/** What happened to one job in a batch. */
export type JobOutcome =
  | {kind: 'done'; jobId: number; sha256: Buffer}
  | {kind: 'unrecoverable'; jobId: number; reason: string}
  | {kind: 'failed'; jobId: number; error: string};

/** What `bonnie status` shows of the collector's jobs; `unrecoverableSince` counts those given up at or after `since` (ms). */
export function collectJobCounts(db: Db, since: number): {pending: number; unrecoverable: number; unrecoverableSince: number} {
  const row = db
    .prepare<[number], {pending: number; unrecoverable: number; recent: number}>(
      `SELECT count(*) FILTER (WHERE state = 'pending') AS pending, count(*) FILTER (WHERE state = 'unrecoverable') AS unrecoverable,
              count(*) FILTER (WHERE state = 'unrecoverable' AND updated_at >= ?) AS recent
         FROM collect_job`,
    )
    .get(since);
  return {pending: row?.pending ?? 0, unrecoverable: row?.unrecoverable ?? 0, unrecoverableSince: row?.recent ?? 0};
}

/** The collector's jobs read back (search, groupware): folder names, jobs done since a watermark. Statements prepared once. */
export class CollectJobReader {
  private readonly s;

  constructor(db: Db) {
    this.s = {
      folderName: db.prepare<[string], {mailbox_name: string}>('SELECT mailbox_name FROM collect_job WHERE mailbox_id = ? ORDER BY id DESC LIMIT 1'),
      doneFrom: db.prepare<[number], {mailbox_id: string; uid_validity: number; uid: number; sha256: Buffer}>(
        "SELECT mailbox_id, uid_validity, uid, sha256 FROM collect_job WHERE id >= ? AND state = 'done' ORDER BY id",
      ),
      oldestPending: db.prepare<[], {n: number | null}>("SELECT min(id) AS n FROM collect_job WHERE state = 'pending'"),
      lastId: db.prepare<[], {n: number | null}>('SELECT max(id) AS n FROM collect_job'),
    };
  }

  /** The folder's name in the collector's newest job of it (as its arrival event named it). */
  folderName(mailboxId: string): string | undefined {
    return this.s.folderName.get(mailboxId)?.mailbox_name;
  }

  /** The jobs done from job `fromId` on, oldest first: the places they linked to a blob. */
  doneFrom(fromId: number): Array<{mailboxId: string; uidValidity: number; uid: number; sha256: Buffer}> {
    return this.s.doneFrom.all(fromId).map((r) => ({mailboxId: r.mailbox_id, uidValidity: r.uid_validity, uid: r.uid, sha256: r.sha256}));
  }

  /**
   * Where a reader of done jobs resumes next time: the oldest job still pending (it may be done by then),
   * else the one after the newest.
   */
  resumeFrom(): number {
    return this.s.oldestPending.get()?.n ?? (this.s.lastId.get()?.n ?? 0) + 1;
  }
}

/**
 * Calls `each` with the blob of every done job, in job order, reading a page at a time (so that `each`
 * may query the catalog): for the catalog's reference check, which asks the archive index whether each
 * exists.
 */
export function forEachDoneBlob(db: Db, each: (sha256: Buffer) => void, page = 10_000): void {
  const statement = db.prepare<[number, number], {id: number; sha256: Buffer}>("SELECT id, sha256 FROM collect_job WHERE id > ? AND state = 'done' ORDER BY id LIMIT ?");
  for (let after = 0; ; ) {
    const rows = statement.all(after, page);
    for (const row of rows) each(row.sha256);
    if (rows.length < page) return;
    after = (rows.at(-1) as {id: number}).id;
  }
}
