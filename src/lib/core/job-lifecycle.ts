/**
 * THE job lifecycle: the states every job of bonnie goes through, the transitions allowed between them,
 * and the one retry policy. Three repositories keep jobs in their own tables and follow it: the queue's
 * jobs (`job`, one per notification, run by `bonnie process`), the collector's message jobs
 * (`collect_job`) and the reconcile jobs (`reconcile_job`, folders re-read by the collector).
 *
 * ```
 *             claim                complete
 *   pending ─────────► claimed ─────────────► done
 *     │  ▲               │ │ fail (attempts < max) / postpone
 *     │  │ crash         │ └──────────────────► failed ──(due: claim)──► claimed ...
 *     │  └───────────────┘ fail (attempts = max), give up, crash alone max times
 *     │                  └──────────────────► dead
 *     └── cancel ───────────────────────────► cancelled
 *   failed, dead ──(operator: bonnie queue retry)──► pending
 * ```
 *
 * - `claimed` (a run holds the job under a lease) is only used where several runs may share the jobs
 *   (`bonnie process`); a repository with a single runner (the collector holds the archive lock) runs a
 *   pending or failed job straight to its outcome.
 * - An ATTEMPT is one failure of the job itself: its work threw, or found the job cannot succeed. A success
 *   is not an attempt; neither is a postponement (something the job needs is down: LDAP, IMAP) nor the
 *   death of the run holding it (a crash: it says nothing about which job of the batch caused it).
 * - Back-off: after its n-th attempt a job waits `baseDelayMs * 2^(n-1)`, at most `maxDelayMs`; a
 *   postponed job waits `baseDelayMs`.
 * - Give-up: the attempt that reaches `maxAttempts` makes the job `dead` (its last error says "gave up
 *   after n attempts: ..."); so does a permanent failure (the job can never succeed: the message is gone),
 *   at once; and, for leased jobs, `maxAttempts` crashes of runs that held that job alone.
 * - `dead` is a failure someone should look at (`bonnie status` is critical); `cancelled` is not: the job
 *   became pointless (a gap closed by late events, a folder deleted before it could be read).
 * - `done` and `cancelled` are final; `dead` is final until an operator retries it.
 *
 * Storage spellings: `collect_job` (a table too large to rewrite) stores `dead` as `unrecoverable`, and a
 * failed job as `pending` with attempts > 0; {@link COLLECT_STORED_STATE} maps them.
 */

/** Every state a job can be in. */
export type JobState = 'pending' | 'claimed' | 'done' | 'failed' | 'dead' | 'cancelled';

export const JOB_STATES: readonly JobState[] = ['pending', 'claimed', 'done', 'failed', 'dead', 'cancelled'];

/** States in which a job is still to be run (now or after its back-off). */
export const OPEN_STATES: readonly JobState[] = ['pending', 'claimed', 'failed'];

/** States an operator can return to pending (`bonnie queue retry`). */
export const RETRYABLE_STATES: readonly JobState[] = ['failed', 'dead'];

/** What moves a job from one state to another. */
export type JobTransition = 'claim' | 'complete' | 'fail' | 'give-up' | 'postpone' | 'crash' | 'cancel' | 'retry';

/**
 * The allowed moves: transition -> the states it may leave -> the state it reaches. `fail` reaches `failed`
 * or, at the last attempt, `dead` (see {@link afterFailure}); `crash` reaches `pending` or, for the job
 * alone in its run at the last crash, `dead` (see {@link afterCrash}).
 */
export const TRANSITIONS: Readonly<Record<JobTransition, {from: readonly JobState[]; to: readonly JobState[]}>> = {
  claim: {from: ['pending', 'failed'], to: ['claimed']},
  // A single runner runs pending or failed jobs without claiming them.
  complete: {from: ['claimed', 'pending', 'failed'], to: ['done']},
  fail: {from: ['claimed', 'pending', 'failed'], to: ['failed', 'dead']},
  'give-up': {from: ['claimed', 'pending', 'failed'], to: ['dead']},
  postpone: {from: ['claimed'], to: ['failed']},
  crash: {from: ['claimed'], to: ['pending', 'dead']},
  cancel: {from: ['pending', 'claimed', 'failed'], to: ['cancelled']},
  retry: {from: RETRYABLE_STATES, to: ['pending']},
};

/** Whether `transition` may move a job from `from` to `to`. */
export function allows(transition: JobTransition, from: JobState, to: JobState): boolean {
  const rule = TRANSITIONS[transition];
  return rule.from.includes(from) && rule.to.includes(to);
}

/** The one retry policy, with each kind of job's numbers. */
export interface RetryPolicy {
  /** Attempts (own failures) before a job is dead; crashes alone, for leased jobs. */
  maxAttempts: number;
  /** Wait after the first attempt, ms; doubled after each further one. Also a postponement's wait. */
  baseDelayMs: number;
  /** The longest wait between two attempts, ms. */
  maxDelayMs: number;
}

/** The longest wait between attempts: a job should not sit unnoticed for a day because it failed often. */
export const MAX_RETRY_DELAY_MS = 60 * 60 * 1000;

/** The policy for jobs of one kind; `maxAttempts` is the setting max_attempts. */
export function retryPolicy(maxAttempts: number, baseDelayMs: number): RetryPolicy {
  return {maxAttempts, baseDelayMs, maxDelayMs: MAX_RETRY_DELAY_MS};
}

/** Back-off bases: a queued event is cheap to retry; reading a message or a folder again costs the server. */
export const QUEUE_RETRY_BASE_MS = 30 * 1000;
export const COLLECT_RETRY_BASE_MS = 60 * 1000;
export const RECONCILE_RETRY_BASE_MS = 60 * 1000;

/** How long a job waits after its `attempts`-th attempt (>= 1), ms. */
export function retryDelayMs(attempts: number, policy: RetryPolicy): number {
  if (attempts < 1) return 0;
  // 2^30 times any base is past every cap: stop doubling there rather than overflow.
  return Math.min(policy.baseDelayMs * 2 ** Math.min(attempts - 1, 30), policy.maxDelayMs);
}

/** A job's state after a failure of its own. */
export interface FailureOutcome {
  state: 'failed' | 'dead';
  /** Attempts made, this one included. */
  attempts: number;
  /** When it may run again (ms); null when dead. */
  retryAt: number | null;
  /** The error to record: prefixed with "gave up after n attempts" when dead. */
  error: string;
}

/**
 * The outcome of a job's attempt that failed, `attempts` being those made before it. `permanent`: the job
 * can never succeed (what it names is gone): dead at once.
 */
export function afterFailure(attempts: number, error: string, policy: RetryPolicy, now: number, permanent = false): FailureOutcome {
  const made = attempts + 1;
  if (permanent) return {state: 'dead', attempts: made, retryAt: null, error};
  if (made >= policy.maxAttempts) return {state: 'dead', attempts: made, retryAt: null, error: gaveUp(made, error)};
  return {state: 'failed', attempts: made, retryAt: now + retryDelayMs(made, policy), error};
}

/** The last error of a job given up after `attempts` attempts. */
export function gaveUp(attempts: number, error: string): string {
  return `gave up after ${attempts} attempts: ${error}`;
}

/** When a postponed job (not an attempt: something it needs is down) may run again, ms. */
export function postponedUntil(policy: RetryPolicy, now: number): number {
  return now + policy.baseDelayMs;
}

/**
 * A leased job whose run died: back to pending, or dead once runs holding it ALONE died `maxAttempts`
 * times (`crashesAlone` counts this crash). A crash with other jobs in the batch blames none of them.
 */
export function afterCrash(crashesAlone: number, policy: RetryPolicy): 'pending' | 'dead' {
  return crashesAlone >= policy.maxAttempts ? 'dead' : 'pending';
}

/**
 * Whether a job may run at `now`: pending at once; failed once its back-off since `updatedAt` (its last
 * attempt) is over. For tables that keep no retry time of their own.
 */
export function isDue(job: {state: JobState; attempts: number; updatedAt: number}, policy: RetryPolicy, now: number): boolean {
  if (job.state === 'pending') return true;
  // A postponed job failed without an attempt: it waits as long as after a first one.
  if (job.state === 'failed') return job.updatedAt + retryDelayMs(Math.max(job.attempts, 1), policy) <= now;
  return false;
}

/** How collect_job spells each state (see the header); states it never takes are absent. */
export const COLLECT_STORED_STATE = {pending: 'pending', failed: 'pending', done: 'done', dead: 'unrecoverable'} as const;

/** The lifecycle state of a collect_job row: `pending` with attempts made is a failed job waiting. */
export function collectJobState(stored: 'pending' | 'done' | 'unrecoverable', attempts: number): JobState {
  if (stored === 'unrecoverable') return 'dead';
  if (stored === 'pending' && attempts > 0) return 'failed';
  return stored;
}
