/**
 * `bonnie prune --plan ID` (issue 17): deletes what a dry run's plan found expired, after checking it again
 * now, as restic's prune does (store/archive/repack.ts).
 *
 * 1. The plan must exist, be younger than {@link PLAN_MAX_AGE_MS} and than the last change to the rules and
 *    holds, and (with `prune_approvers: 2`) be signed off by an administrator other than its maker.
 * 2. Under the archive lock (no writer runs meanwhile): leftovers of an interrupted prune are removed,
 *    the search index is brought up to date, and the rules and holds in force are applied NOW. A message
 *    of the plan is pruned only when it is still archived, still expired and not held; the others are
 *    skipped, each with its reason.
 * 3. The segments holding them are repacked (new segments written, fsynced, read back), then ONE
 *    transaction points the blob index at the copies, forgets the pruned blobs, their search entries and
 *    the archive's links to them (which then name the message as pruned), writes a tombstone per message
 *    and a `prune` entry in the policy log's hash chain. Only then are the old segment files removed.
 */
import type {Catalog} from '../../base/catalog/catalog.js';
import {BonnieError, errorMessage} from '../../base/errors.js';
import {isoTime} from '../../core/time.js';
import {Policy, type SavedPlan, type Tombstone} from '../../pipeline/retention/policy.js';
import {SnapshotRepository} from '../../pipeline/snapshot/repository.js';
import {ArchiveLock} from '../../store/archive/index/lock.js';
import {ArchiveIndex, type BlobRecord} from '../../store/archive/index/repository.js';
import {removeOrphanSegments, removeRetiredSegments, repackSegments, type Repack} from '../../store/archive/repack.js';
import {SearchIndex} from '../search/search-index.js';
import {updateSearch} from '../search/update.js';
import {planPrune} from './plan.js';

/** A plan older than this is refused: what the archive holds and the law requires move on. */
export const PLAN_MAX_AGE_MS = 7 * 86_400_000;

/** Skipped messages listed one by one at most (the counts cover them all). */
const SKIPS_LISTED = 100;

export type SkipReason = 'held' | 'not-expired' | 'gone' | 'segment-not-closed';

export interface PruneOptions {
  /** Who runs it (SUDO_USER or the login name). */
  actor: string;
  now?: () => number;
  /** `prune_approvers`: 1 (default) or 2 (a second administrator approves the plan first). */
  approvers?: number;
  segmentLimitBytes?: number;
  /** Also decompress and re-hash every kept blob of the new segments (store/archive/repack.ts, `content`). */
  readData?: boolean;
  onProgress?: (progress: PruneProgress) => void;
}

export interface PruneProgress {
  phase: 'index' | 'repack';
  done: number;
  total: number;
  /** Bytes of old segments read (repack). */
  bytes?: number;
  segment?: string;
}

export interface PruneResult {
  planId: string;
  at: string;
  /** Messages (blobs) removed, their bytes as received and as stored (with the part blobs that went with them). */
  pruned: number;
  prunedBytes: number;
  prunedStoredBytes: number;
  /** Segments repacked (removed) and written; their bytes before and after: freedBytes = before - after. */
  segmentsRepacked: number;
  segmentsWritten: number;
  bytesBefore: number;
  bytesAfter: number;
  freedBytes: number;
  /** Search entries and archive links of the pruned messages removed (the links now name them pruned). */
  searchEntries: number;
  links: number;
  /** Per rule: messages pruned and their bytes as received. */
  rules: Array<{rule: string; messages: number; bytes: number}>;
  /** Messages of the plan not pruned, by reason; the first ones listed. */
  skipped: {held: number; notExpired: number; gone: number; segmentNotClosed: number; messages: Array<{sha256: string; reason: SkipReason}>};
  /** What an interrupted prune had left and this run removed. */
  recovered: {orphanSegments: number; retiredSegments: number};
}

/** Checks the plan, then prunes (see the module comment). Throws BonnieError with a hint for every refusal. */
export async function prunePlan(catalog: Catalog, archiveDir: string, planId: string, options: PruneOptions): Promise<PruneResult> {
  const now = options.now ?? Date.now;
  const db = catalog.db;
  const policy = new Policy(db);
  const plan = checkPlan(policy, planId, now(), options.approvers ?? 1);
  const lock = new ArchiveLock(db);
  const holder = lock.acquire(now());
  if (holder !== undefined) {
    throw new BonnieError('ArchiveLocked', `an archive writer holds the archive (${holder.owner}, pid ${holder.pid} on ${holder.host}): nothing was pruned`, {
      hint: 'Run bonnie prune --plan again when it has finished (bonnie collector --follow holds the lock only while it has work).',
    });
  }
  try {
    const recovered = {retiredSegments: removeRetiredSegments(catalog, archiveDir), orphanSegments: removeOrphanSegments(catalog, archiveDir)};
    await updateSearch(catalog, archiveDir, {onProgress: (p) => options.onProgress?.({phase: 'index', done: p.done, total: p.total})});
    const at = now();
    const decided = planPrune(db, policy.rules(), policy.holds(), at);
    const index = new ArchiveIndex(db);
    const result: PruneResult = {
      planId,
      at: isoTime(at),
      pruned: 0,
      prunedBytes: 0,
      prunedStoredBytes: 0,
      segmentsRepacked: 0,
      segmentsWritten: 0,
      bytesBefore: 0,
      bytesAfter: 0,
      freedBytes: 0,
      searchEntries: 0,
      links: 0,
      rules: [],
      skipped: {held: 0, notExpired: 0, gone: 0, segmentNotClosed: 0, messages: []},
      recovered,
    };
    const skip = (hex: string, reason: SkipReason) => {
      const key = ({held: 'held', 'not-expired': 'notExpired', gone: 'gone', 'segment-not-closed': 'segmentNotClosed'} as const)[reason];
      result.skipped[key]++;
      if (result.skipped.messages.length < SKIPS_LISTED) result.skipped.messages.push({sha256: hex, reason});
    };
    const drop: Array<{blob: BlobRecord; rule: string}> = [];
    for (const hex of [...plan.blobs.keys()].sort()) {
      const blob = index.getBlob(Buffer.from(hex, 'hex'));
      const rule = decided.rules.get(hex);
      if (blob === undefined) skip(hex, 'gone');
      else if (decided.held.has(hex)) skip(hex, 'held');
      else if (rule === undefined) skip(hex, 'not-expired');
      else if (index.getSegment(blob.segmentId)?.state !== 'closed') skip(hex, 'segment-not-closed');
      else drop.push({blob, rule});
    }

    let repack: Repack;
    try {
      repack = repackSegments(
        catalog,
        archiveDir,
        drop.map((d) => d.blob.id),
        {
          now,
          segmentLimitBytes: options.segmentLimitBytes,
          verify: options.readData === true ? 'content' : 'bytes',
          renew: () => lock.renew(now()),
          onProgress: (p) => options.onProgress?.({phase: 'repack', done: p.done, total: p.segments, bytes: p.bytesRead, segment: p.segment}),
        },
      );
    } catch (error) {
      if (error instanceof BonnieError) throw error;
      throw repackFailed(error);
    }

    // Archive format 3: a part blob that goes with the last messages naming it counts in the stored bytes
    // of the first of them (so the tombstones add up to what the archive no longer stores).
    const dropping = new Set(drop.map((d) => d.blob.id.toString('hex')));
    const partBytes = new Map<string, number>();
    for (const part of repack.droppedParts) {
      const first = index.partReferrers(part.id).map((m) => m.toString('hex')).find((hex) => dropping.has(hex));
      if (first !== undefined) partBytes.set(first, (partBytes.get(first) ?? 0) + part.storedLength);
    }
    const tombstones: Tombstone[] = drop.map(({blob, rule}) => ({
      sha256: blob.id,
      originalLength: blob.originalLength,
      storedLength: blob.storedLength + (partBytes.get(blob.id.toString('hex')) ?? 0),
      rule,
      planId,
      prunedAt: at,
      prunedBy: options.actor,
    }));
    const byRule = new Map<string, {rule: string; messages: number; bytes: number}>();
    for (const t of tombstones) {
      const r = byRule.get(t.rule) ?? {rule: t.rule, messages: 0, bytes: 0};
      r.messages++;
      r.bytes += t.originalLength;
      byRule.set(t.rule, r);
    }
    Object.assign(result, {
      pruned: tombstones.length,
      prunedBytes: tombstones.reduce((n, t) => n + t.originalLength, 0),
      prunedStoredBytes: tombstones.reduce((n, t) => n + t.storedLength, 0),
      segmentsRepacked: repack.retired.length,
      segmentsWritten: repack.newSegments.length,
      bytesBefore: repack.bytesBefore,
      bytesAfter: repack.bytesAfter,
      freedBytes: repack.bytesBefore - repack.bytesAfter,
      rules: [...byRule.values()].sort((a, b) => a.rule.localeCompare(b.rule)),
    });
    const search = new SearchIndex(db);
    const snapshots = new SnapshotRepository(db);
    const pruned = drop.map((d) => d.blob.id);
    try {
      if (!lock.renew(now())) throw new Error('the archive lock was lost (expired and taken by another writer)');
      db.transaction(() => {
        index.commitRepack({
          moved: repack.moved,
          movedMembers: repack.movedMembers,
          movedParts: repack.movedParts,
          droppedParts: repack.droppedParts.map((p) => p.id),
          dropped: pruned,
          newSegments: repack.newSegments,
          retired: repack.retired,
          now: at,
        });
        result.searchEntries = search.forgetContents(pruned);
        search.moveSegmentMarks(
          repack.retired.map((s) => s.id),
          // A new segment may hold members only (archive format 2: every blob of its old one pruned): no mark.
          repack.newSegments.flatMap((s) => {
            const offsets = repack.moved.filter((b) => b.segmentId === s.id).map((b) => b.headerOffset);
            return offsets.length === 0 ? [] : [{segmentId: s.id, top: Math.max(...offsets)}];
          }),
        );
        result.links = snapshots.markPruned(pruned);
        policy.recordPrune(
          tombstones,
          {planId, messages: result.pruned, bytes: result.prunedBytes, storedBytes: result.prunedStoredBytes, freedBytes: result.freedBytes, segments: result.segmentsRepacked, skipped: skippedCounts(result)},
          options.actor,
          at,
        );
      }).immediate();
    } catch (error) {
      // Nothing was committed: the copies are orphans, removed now (or by the next run if this fails too).
      removeOrphanSegments(catalog, archiveDir);
      throw error instanceof BonnieError ? error : repackFailed(error);
    }
    // Committed: the old segments are unreferenced; their files go now (or, after a crash, next run).
    removeRetiredSegments(catalog, archiveDir);
    return result;
  } finally {
    lock.release();
  }
}

/** The plan to run, or a refusal: unknown, stale, made by an older bonnie, or not approved. */
export function checkPlan(policy: Policy, planId: string, now: number, approvers: number): SavedPlan {
  const plan = policy.plan(planId);
  const again = 'Run "bonnie prune --dry-run" for a new plan, check it, then "bonnie prune --plan ID" with its id.';
  if (plan === undefined) throw new BonnieError('PrunePlanUnknown', `no prune plan "${planId}"`, {hint: again});
  if (now - plan.createdAt > PLAN_MAX_AGE_MS) {
    throw new BonnieError('PrunePlanStale', `plan ${planId} was made ${isoTime(plan.createdAt)}, more than ${PLAN_MAX_AGE_MS / 86_400_000} days ago`, {hint: again});
  }
  const changed = policy.lastPolicyChange();
  if (changed !== null && changed >= plan.createdAt) {
    throw new BonnieError('PrunePlanStale', `the retention rules or legal holds changed at ${isoTime(changed)}, after plan ${planId} was made (${isoTime(plan.createdAt)})`, {hint: again});
  }
  const expired = (plan.summary as {expired?: number}).expired ?? 0;
  if (plan.blobs.size === 0 && expired > 0) {
    throw new BonnieError('PrunePlanStale', `plan ${planId} was made by a bonnie that did not keep its list of messages`, {hint: again});
  }
  if (approvers >= 2 && !policy.approvals(planId).some((a) => adminOf(a.by) !== adminOf(plan.createdBy))) {
    throw new BonnieError('PruneNotApproved', `plan ${planId}, made by ${plan.createdBy}, needs a second administrator's approval (prune_approvers: ${approvers})`, {
      hint: `Another administrator runs "bonnie prune approve ${planId}" (after checking "bonnie prune --dry-run"); then run "bonnie prune --plan ${planId}" again.`,
    });
  }
  return plan;
}

/** What `bonnie prune approve` returns. */
export interface PlanApproval {
  planId: string;
  /** Who made the plan (its dry run), and when. */
  createdBy: string;
  createdAt: string;
  /** Every approval so far (who, when). */
  approvals: Array<{by: string; at: string}>;
}

/**
 * A second administrator signs a plan off (`prune_approvers: 2`), recorded in prune_approval and in the
 * policy log's chain. Refuses an unknown or stale plan, and the plan's own maker (PruneApprovalInvalid).
 */
export function approvePlan(catalog: Catalog, planId: string, actor: string, now = Date.now()): PlanApproval {
  const policy = new Policy(catalog.db);
  const plan = checkPlan(policy, planId, now, 1);
  if (adminOf(actor) === adminOf(plan.createdBy)) {
    throw new BonnieError('PruneApprovalInvalid', `${adminOf(actor)} made plan ${planId} and cannot also approve it`, {
      hint: 'Another administrator (logged in as themselves, or through sudo) runs "bonnie prune approve ID".',
    });
  }
  const approvals = policy.approve(planId, actor, now);
  return {planId, createdBy: plan.createdBy, createdAt: isoTime(plan.createdAt), approvals: approvals.map((a) => ({by: a.by, at: isoTime(a.at)}))};
}

/** The person behind an actor as operatorName() records it: the sudo user of `root (sudo by alice)`, else the login. */
export function adminOf(actor: string): string {
  return /\(sudo by (.+)\)$/.exec(actor)?.[1] ?? actor;
}

function skippedCounts(result: PruneResult): Record<string, number> {
  const {held, notExpired, gone, segmentNotClosed} = result.skipped;
  return {held, notExpired, gone, segmentNotClosed};
}

function repackFailed(error: unknown): BonnieError {
  return new BonnieError('PruneRepackFailed', `the prune stopped before deleting anything: ${errorMessage(error)}`, {
    cause: error,
    hint: 'Nothing was deleted and the new segments were removed. Fix the cause (disk full, permissions), then run the same bonnie prune --plan again; "bonnie verify --read-data" checks the archive.',
  });
}
