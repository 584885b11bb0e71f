/**
 * `bonnie process`: drains the queue through the handlers into the record.
 *
 * Contracts:
 * - One run at a time per catalog (ProcessLock); jobs are applied in notification (arrival) order.
 * - A batch is claimed, then its people are looked up in the directory (the only asynchronous step),
 *   then it is applied in ONE transaction: the evidence chain is extended, each job is marked done with
 *   what it wrote, or rolled back and marked failed. Savepoints cost more than most events' own writes, so
 *   a batch is first applied without them; if a job throws, the whole batch is rolled back and applied
 *   again with one savepoint per job (the result is the same). A crash (kill -9) anywhere
 *   leaves either the whole batch or none of it; the next run releases the dead run's claims and does
 *   the batch again: the record equals that of an uninterrupted run.
 * - A crash is not a job's failure: it costs no attempt. A batch that keeps killing its run is halved at
 *   each crash (JobQueue.claim) until the job that kills it runs alone; after `max_attempts` such runs
 *   that job alone is dead, with the reason, and every other job is applied, in arrival order.
 * - A run that hung past its lock and lease (another run took its claims) applies nothing when it wakes.
 * - A directory that cannot answer stops the run: the batch's jobs are marked failed (retried later,
 *   dead after `max_attempts`), nothing is recorded with a guessed identity.
 * - Times in the record are the events' own, so the result does not depend on when processing runs.
 *   Sessions left open are closed `sessionTimeoutMs` after their last event, measured on event time.
 */
import type {Catalog} from '../../base/catalog/catalog.js';
import {BonnieError, errorMessage} from '../../base/errors.js';
import {parseNotification} from '../../core/event/parse.js';
import {isKnownEventType} from '../../core/event/categories.js';
import type {BonnieEvent} from '../../core/event/types.js';
import {canonicalLogin, type Directory, type DirectoryPerson} from '../../sources/directory/types.js';
import {drainSpill, type DrainSummary} from '../capture/spill.js';
import {claimSpill} from '../capture/spill-claim.js';
import {scanForGaps, type ScanSummary} from '../capture/gaps.js';
import {BehaviourDetector} from '../dlp/behaviour.js';
import type {Alert} from '../dlp/alerts.js';
import type {RuleSet} from '../dlp/rules.js';
import {Ingester} from '../queue/ingest.js';
import {JobQueue, type ClaimedJob} from '../queue/jobs.js';
import {extendChain} from './chain.js';
import {HANDLERS, type HandlerContext} from './handlers.js';
import {ProcessLock, type LockHolder} from './lock.js';
import {openRecorder, type Recorder} from './recorder.js';

export const DEFAULT_BATCH_JOBS = 1000;
export const DEFAULT_SESSION_TIMEOUT_MS = 12 * 60 * 60 * 1000;

export interface ProcessOptions {
  spillDir: string;
  maxAttempts: number;
  /** Stop after this many jobs. */
  limit?: number;
  batchJobs?: number;
  sessionTimeoutMs?: number;
  /** Called after each batch. */
  onProgress?: (progress: ProcessProgress) => void;
  /** DLP rules: their behaviour rules run over each batch's changes, in its transaction (issue 15). */
  dlpRules?: RuleSet | undefined;
  /** Called with each DLP alert raised, once its batch has committed (for syslog). */
  onDlpAlert?: (alert: Alert) => void;
  /** Mails the alerts waiting in the outbox (dlp/notify.ts): after each batch that raised one, and at the end (retries). */
  deliverDlpMail?: () => Promise<unknown>;
  /** local_domains: a folder shared to an identifier outside them raises shared_to_anyone. */
  localDomains?: readonly string[] | undefined;
}

/** Reported after each committed batch. */
export interface ProcessProgress {
  /** Jobs handled by this run so far. */
  processed: number;
  /** Jobs due when the run started (or when last counted). */
  total: number;
  /** The batch just committed: jobs claimed, and what became of them. */
  batch: {jobs: number; done: number; failed: number; dead: number};
  /** Events of this batch applied with a warning (within the run's first {@link MAX_WARNINGS_SHOWN}). */
  warnings: ProcessSummary['warnings'];
}

export interface ProcessSummary {
  /** Set when another run holds the catalog: this run did nothing. */
  lockedBy: LockHolder | null;
  spill: Omit<DrainSummary, 'alreadyDrained'>;
  /** Jobs applied to the record. */
  done: number;
  /** Jobs that failed this time (retried later). */
  failed: number;
  /** Jobs returned to the queue untried because something they need (the directory) could not answer. */
  postponed: number;
  /** Jobs that went dead in this run: failed `max_attempts` times, or killed `max_attempts` runs alone. */
  dead: number;
  /** Jobs of event types bonnie has no handler for (done, nothing recorded), by type. */
  unhandled: Record<string, number>;
  /** Applied jobs by event type. */
  byType: Record<string, number>;
  /** Claims of a run that died, returned to the queue (those gone dead are counted in `dead`). */
  orphansReleased: number;
  sessionsClosed: number;
  gaps: ScanSummary;
  /** Jobs still due after this run. */
  remaining: number;
  /** Why the run stopped early, if it did (the directory was unavailable). */
  stoppedBecause: string | null;
  /** DLP alerts raised by the behaviour rules (mass deletion, folders shared to anyone). */
  dlpAlerts: number;
  /** Events applied despite oddities (a timestamp that is not a date: the received time was used), the first {@link MAX_WARNINGS_SHOWN}. */
  warnings: Array<{notificationId: number; type: string; warnings: string[]}>;
}

/** Warned events listed in a summary; the count of the rest is not kept. */
export const MAX_WARNINGS_SHOWN = 20;

interface Parsed {
  job: ClaimedJob;
  event: BonnieEvent | undefined;
  error: string | undefined;
}

/** Runs the queue until it is empty (or `limit` jobs were done). */
export async function processQueue(catalog: Catalog, directory: Directory, options: ProcessOptions): Promise<ProcessSummary> {
  const {db} = catalog;
  const lock = new ProcessLock(db);
  const summary: ProcessSummary = {
    lockedBy: null,
    spill: {files: 0, queued: 0, duplicates: 0, quarantined: 0},
    done: 0,
    failed: 0,
    postponed: 0,
    dead: 0,
    unhandled: {},
    byType: {},
    orphansReleased: 0,
    sessionsClosed: 0,
    gaps: {scanned: 0, opened: 0, closed: 0},
    remaining: 0,
    stoppedBecause: null,
    dlpAlerts: 0,
    warnings: [],
  };
  const holder = lock.acquire();
  if (holder !== undefined) return {...summary, lockedBy: holder};
  try {
    const queue = new JobQueue(db, {maxAttempts: options.maxAttempts});
    claimSpill(options.spillDir, catalog.path);
    const drained = drainSpill(db, new Ingester(db), options.spillDir);
    summary.spill = {files: drained.files, queued: drained.queued, duplicates: drained.duplicates, quarantined: drained.quarantined};
    const orphans = queue.releaseOrphans();
    summary.orphansReleased = orphans.released;
    summary.dead += orphans.dead;
    const total = Math.min(queue.due(), options.limit ?? Number.MAX_SAFE_INTEGER);
    const recorder = openRecorder(db);
    const rules = options.dlpRules;
    const behaviour = rules === undefined ? undefined : new BehaviourDetector(db, () => rules.behaviour, Date.now, options.localDomains);
    let latest = -Infinity;
    let processed = 0;
    while (processed < (options.limit ?? Number.MAX_SAFE_INTEGER)) {
      if (!lock.renew()) throw lockLost();
      const jobs = queue.claim(lock.owner, Math.min(options.batchJobs ?? DEFAULT_BATCH_JOBS, (options.limit ?? Number.MAX_SAFE_INTEGER) - processed));
      if (jobs.length === 0) break;
      const parsed = jobs.map(parse);
      let people: People;
      try {
        people = await lookUpPeople(directory, parsed);
      } catch (error) {
        // Not the jobs' fault: they wait for the directory, without using up their attempts.
        for (const {job} of parsed) if (queue.postpone(job.notificationId, lock.owner, `waiting for the directory: ${errorMessage(error)}`)) summary.postponed++;
        summary.stoppedBecause = errorMessage(error);
        break;
      }
      const before = {done: summary.done, failed: summary.failed, dead: summary.dead, warnings: summary.warnings.length};
      const apply = (isolate: boolean): BatchOutcome =>
        db
          .transaction(() => {
            // The directory lookup awaited: a run that hung there may have lost its lock, and its claims to
            // another run. Checked inside the write transaction, so no other run can take over meanwhile.
            if (!lock.renew()) throw lockLost();
            recorder.forget();
            const mark = behaviour?.mark() ?? 0;
            const outcome = applyBatch(db, recorder, queue, lock.owner, parsed, people, isolate);
            // In the batch's transaction: the alerts commit with the record they come from.
            outcome.dlpAlerts = behaviour?.afterBatch(mark).alerts ?? [];
            return outcome;
          })
          .immediate();
      let outcome: BatchOutcome;
      try {
        outcome = apply(false);
      } catch (error) {
        if (!(error instanceof EventFailed)) throw error;
        // Rolled back whole: applied again with each event in a savepoint, so that only the failing ones fail.
        outcome = apply(true);
      }
      merge(summary, outcome);
      for (const alert of outcome.dlpAlerts) options.onDlpAlert?.(alert);
      if (outcome.dlpAlerts.length > 0) await options.deliverDlpMail?.();
      if (outcome.latest > latest) latest = outcome.latest;
      processed += jobs.length;
      options.onProgress?.({
        processed,
        total,
        batch: {jobs: jobs.length, done: summary.done - before.done, failed: summary.failed - before.failed, dead: summary.dead - before.dead},
        warnings: summary.warnings.slice(before.warnings),
      });
    }
    if (latest !== -Infinity) summary.sessionsClosed = recorder.sessions.closeIdle(latest, options.sessionTimeoutMs ?? DEFAULT_SESSION_TIMEOUT_MS);
    addGaps(summary.gaps, scanForGaps(db)); // notifications after the last batch's (a --limit run, a failed claim)
    summary.remaining = queue.due();
    // Mail that failed before (this run's or an earlier one's) is retried once its time has come.
    await options.deliverDlpMail?.();
    return summary;
  } finally {
    lock.release();
  }
}

function lockLost(): BonnieError {
  return new BonnieError('ProcessLockLost', 'another bonnie process took over the catalog (this run was too slow to renew its lock)', {hint: 'Run bonnie process again; nothing was lost.'});
}

function parse(job: ClaimedJob): Parsed {
  const parsed = parseNotification(job.raw.toString('utf8'));
  return parsed.ok ? {job, event: parsed.event, error: undefined} : {job, event: undefined, error: parsed.error};
}

interface People {
  found: Map<string, DirectoryPerson | undefined>;
  /** Logins the directory answered about with a problem of their own (several entries match): their jobs fail. */
  problems: Map<string, string>;
}

/**
 * Looks up every acting user and mailbox owner of the batch (the directory caches). A directory that
 * cannot answer throws (the run stops); a login it answers ambiguously only fails that login's jobs.
 */
async function lookUpPeople(directory: Directory, batch: Parsed[]): Promise<People> {
  const logins = new Set<string>();
  for (const {event} of batch) {
    if (event?.user !== undefined) logins.add(canonicalLogin(event.user));
    if (event?.owner !== undefined) logins.add(canonicalLogin(event.owner));
  }
  const people: People = {found: new Map(), problems: new Map()};
  for (const login of logins) {
    try {
      people.found.set(login, await directory.lookUp(login));
    } catch (error) {
      if (!(error instanceof BonnieError) || error.code !== 'DirectoryAmbiguous') throw error;
      people.problems.set(login, error.message);
    }
  }
  return people;
}

/** What applying one batch did: merged into the run's summary once the batch's transaction committed. */
interface BatchOutcome {
  done: number;
  failed: number;
  dead: number;
  byType: Record<string, number>;
  unhandled: Record<string, number>;
  /** The first {@link MAX_WARNINGS_SHOWN} of the batch. */
  warnings: ProcessSummary['warnings'];
  /** The newest event time applied, in ms (-Infinity when none was). */
  latest: number;
  gaps: ScanSummary;
  /** Raised in the batch's transaction: announced only once it has committed. */
  dlpAlerts: Alert[];
}

/**
 * An event failed in a batch applied without savepoints: thrown out of the batch's transaction, which rolls
 * the whole batch back, to apply it again with savepoints.
 */
class EventFailed extends Error {}

/**
 * Extends the evidence chain to the batch's last notification and applies its jobs in arrival order, inside
 * the caller's transaction. With `isolate`, each job runs in a savepoint and one that throws is rolled back
 * alone and marked failed. Without it (a savepoint per event costs more than the event's own writes), a job
 * that throws throws {@link EventFailed}: the caller rolls the batch back and applies it again isolated, so
 * the record and the queue end up exactly as if every job had had its savepoint.
 */
function applyBatch(db: Catalog['db'], recorder: Recorder, queue: JobQueue, owner: string, parsed: readonly Parsed[], people: People, isolate: boolean): BatchOutcome {
  const outcome: BatchOutcome = {done: 0, failed: 0, dead: 0, byType: {}, unhandled: {}, warnings: [], latest: -Infinity, gaps: {scanned: 0, opened: 0, closed: 0}, dlpAlerts: []};
  const upTo = parsed.at(-1)?.job.notificationId ?? 0;
  extendChain(db, upTo);
  for (const item of parsed) {
    const at = applyOne(db, recorder, queue, owner, item, people, outcome, isolate);
    if (at !== undefined && at > outcome.latest) outcome.latest = at;
  }
  recorder.sessions.flush();
  // Gap detection reads every notification in order: up to this batch's, those it has just parsed not again.
  const events = new Map<number, BonnieEvent>();
  for (const {job, event} of parsed) if (event !== undefined) events.set(job.notificationId, event);
  outcome.gaps = scanForGaps(db, Date.now(), {events, upTo});
  return outcome;
}

function merge(summary: ProcessSummary, outcome: BatchOutcome): void {
  summary.done += outcome.done;
  summary.failed += outcome.failed;
  summary.dead += outcome.dead;
  summary.dlpAlerts += outcome.dlpAlerts.length;
  for (const [type, n] of Object.entries(outcome.byType)) summary.byType[type] = (summary.byType[type] ?? 0) + n;
  for (const [type, n] of Object.entries(outcome.unhandled)) summary.unhandled[type] = (summary.unhandled[type] ?? 0) + n;
  for (const warned of outcome.warnings) if (summary.warnings.length < MAX_WARNINGS_SHOWN) summary.warnings.push(warned);
  addGaps(summary.gaps, outcome.gaps);
}

function addGaps(total: ScanSummary, more: ScanSummary): void {
  total.scanned += more.scanned;
  total.opened += more.opened;
  total.closed += more.closed;
}

/** Applies one job (in a savepoint with `isolate`: see {@link applyBatch}); returns the event's time when it was applied. */
function applyOne(
  db: Catalog['db'],
  recorder: Recorder,
  queue: JobQueue,
  owner: string,
  {job, event, error}: Parsed,
  people: People,
  summary: BatchOutcome,
  isolate: boolean,
): number | undefined {
  if (event === undefined) {
    recordFailure(queue, owner, job, error ?? 'unreadable notification', summary);
    return undefined;
  }
  // The record's one representation of time: ms since the epoch (the timestamp is RFC 3339, checked when parsed).
  const at = event.timestamp === undefined ? job.receivedAt : Date.parse(event.timestamp);
  try {
    const apply = () => {
      const nid = job.notificationId;
      const identify = (login: string | undefined) => {
        if (login === undefined) return undefined;
        const canonical = canonicalLogin(login);
        const problem = people.problems.get(canonical);
        if (problem !== undefined) throw new Error(problem);
        return {login: canonical, personId: recorder.people.identify(login, people.found.get(canonical), at, nid)};
      };
      const actor = identify(actorLogin(event, recorder));
      const owner_ = identify(event.owner);
      if (event.sessionId !== undefined && event.type !== 'Login' && event.type !== 'Logout') {
        recorder.sessions.touch({sessionId: event.sessionId, at, service: event.service, personId: actor?.personId, login: actor?.login});
      }
      const structural = event.type === 'MailboxCreate' || event.type === 'MailboxRename' || event.type === 'MailboxDelete';
      const folderBefore =
        event.mailboxId !== undefined && event.mailbox !== undefined
          ? structural
            ? recorder.folders.current(event.mailboxId)
            : // MailboxModseq arrives just before the AclChange of the same commit, already carrying the new
              // ACL: taking it from there would leave the AclChange nothing to compare with.
              recorder.folders.observe(event.mailboxId, event.mailbox, event.type === 'MailboxModseq' ? undefined : event.acl, owner_, at, nid, {trustName: event.type !== 'MailboxModseq'})
          : undefined;
      const context: HandlerContext = {
        notificationId: nid,
        event,
        at,
        actor,
        owner: owner_,
        folderBefore,
        record: recorder,
        change: (change) => recorder.changes.record({...change, notificationId: nid, at, actorPersonId: actor?.personId, actorLogin: actor?.login, sessionId: event.sessionId}),
      };
      if (isKnownEventType(event.type)) {
        HANDLERS[event.type](context);
        summary.byType[event.type] = (summary.byType[event.type] ?? 0) + 1;
      } else {
        summary.unhandled[event.type] = (summary.unhandled[event.type] ?? 0) + 1;
      }
      // Isolated, the job's session touch is written inside its savepoint; otherwise once for the batch.
      if (isolate) recorder.sessions.flush();
      if (!queue.complete(nid, owner)) throw new Error('the job was taken over by another run');
    };
    if (isolate) db.transaction(apply)();
    else apply();
    summary.done++;
    if (event.warnings.length > 0 && summary.warnings.length < MAX_WARNINGS_SHOWN) summary.warnings.push({notificationId: job.notificationId, type: event.type, warnings: event.warnings});
    return at;
  } catch (failure) {
    if (!isolate) throw new EventFailed(errorMessage(failure), {cause: failure});
    recorder.forget(); // the savepoint rolled back what the repositories may remember
    recordFailure(queue, owner, job, errorMessage(failure), summary);
    return undefined;
  }
}

/**
 * Who did it. Cyrus' `user` is the actor, except that an LMTP delivery names its recipient (the mailbox
 * owner: no one acted, a message arrived) and a quota event the quota root's owner (the admin who changed
 * it is the session's login, when the session's Login has been seen).
 */
function actorLogin(event: BonnieEvent, recorder: Recorder): string | undefined {
  if (event.type === 'MessageNew') return undefined;
  if (event.category === 'quota') return event.sessionId === undefined ? undefined : recorder.sessions.loggedIn(event.sessionId);
  return event.user;
}

function recordFailure(queue: JobQueue, owner: string, job: ClaimedJob, error: string, summary: BatchOutcome): void {
  const state = queue.fail(job.notificationId, owner, error);
  if (state === 'dead') summary.dead++;
  else summary.failed++;
}
