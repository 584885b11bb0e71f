/**
 * The collector's reconcile jobs (reconcile-jobs.ts): re-reading a whole folder when the events cannot be
 * trusted to have said everything (a gap), or to record a new folder's metadata. Each folder is archived
 * with `archiveFolders` (lib/snapshot): every message not archived yet is stored and linked, and the
 * folder's state recorded as a snapshot (unless unchanged since the last one).
 *
 * Where from: a gap's folder from the spool when it is on this host (the spool also holds messages
 * expunged but not yet removed by cyr_expire), else over IMAP; a new or renamed folder's over IMAP
 * (GETMETADATA is IMAP's), else from the spool. The folder is chosen by mailboxID: on the spool by the name
 * in its own cyrus.header, over IMAP by the newest name the catalog knows, then the jobs' own; the
 * mailboxID of what was read must be the job's.
 *
 * A folder the catalog knows was deleted is not looked for: its jobs end `cancelled` with the reason (a
 * gap's job is still tried on the spool, which may keep a deleted folder's files), and its open gaps close.
 * A folder not under any name the catalog knows (a parent renamed without an event for its children) is
 * looked up over IMAP by its mailboxID. A job done makes the folder's open gaps `reconciled`.
 *
 * Contracts: jobs of one folder share one run and one outcome. A problem with the folder fails its jobs
 * (retried, dead after max_attempts, with the error); a problem with the server or the archive stops
 * the run without charging any job an attempt.
 */
import {join} from 'node:path';
import type {ImapFlow} from 'imapflow';
import type {Catalog} from '../../base/catalog/catalog.js';
import type {ImapSettings} from '../../base/config/settings.js';
import {TLS_ERROR_CODES} from '../../base/config/tls.js';
import {readMailboxHeader} from '../../sources/cyrus/header-file.js';
import {BonnieError, errorMessage} from '../../base/errors.js';
import {archiveFolders, type ArchiveSummary} from '../snapshot/archiver.js';
import {ImapSource} from '../snapshot/imap-source.js';
import {adminName, type FolderRef, type FolderSource, type FolderState, type MessageBytes, type Selector} from '../snapshot/source.js';
import {SpoolSource} from '../snapshot/spool-source.js';
import {connectImap} from '../../sources/imap/connect.js';
import {findByMailboxId, searchPatterns} from '../../sources/imap/mailbox-id.js';
import type {KnownFolder} from './jobs.js';
import {ReconcileJobs, type ReconcileJob} from '../capture/reconcile-jobs.js';
import type {FolderLocation, SpoolReader} from './spool.js';

export interface ReconcileSummary {
  /** Jobs settled: their folder was re-read and archived. */
  done: number;
  /** Jobs cancelled: their folder was deleted before it could be read. */
  cancelled: number;
  /** Gaps whose folder was re-read and archived (now `reconciled`). */
  gapsReconciled: number;
  /** Jobs that failed and will be retried. */
  failed: number;
  /** Jobs that failed their last attempt (max_attempts). */
  dead: number;
  /** Jobs still open after this run (pending, or failed and waiting for their retry). */
  remaining: number;
  /** Folder snapshots recorded. */
  snapshots: number;
  /** Messages whose bytes were stored now. */
  collected: number;
  /** Messages whose bytes the archive already held. */
  alreadyStored: number;
  /** Messages found gone, recorded with the reason. */
  unrecoverable: number;
}

export interface ReconcileOptions {
  archiveDir: string;
  /** The partitions readable here (opened once per run, on first use). */
  spool: () => SpoolReader;
  imap: ImapSettings | undefined;
  /** Folder annotations to record (folder_metadata). */
  metadata: readonly string[];
  /** What the catalog knows of a mailbox now: its newest name, whether it was deleted. */
  knownFolder: (mailboxId: string) => KnownFolder;
  maxAttempts: number;
  now: () => number;
  warn: (message: string) => void;
}

/** Where one folder's jobs are read from, or why they cannot be. */
export type ReconcilePlan = {kind: 'spool'; dir: string} | {kind: 'imap'} | {kind: 'none'; reason: string};

/**
 * Chooses the source for a folder's jobs: IMAP for a folder snapshot (its metadata) when imap_url is set;
 * otherwise the spool when the folder is on this host; otherwise IMAP when set.
 */
export function planReconcile(jobs: readonly ReconcileJob[], where: FolderLocation, imap: boolean): ReconcilePlan {
  const wantsMetadata = jobs.some((j) => j.gapId === null);
  if (wantsMetadata && imap) return {kind: 'imap'};
  if (where.kind === 'here') return {kind: 'spool', dir: where.dir};
  if (imap) return {kind: 'imap'};
  return {kind: 'none', reason: `${where.detail}, and imap_url is not set to read it over IMAP`};
}

/** Runs every due reconcile job. */
export async function reconcileFolders(catalog: Catalog, options: ReconcileOptions): Promise<ReconcileSummary> {
  const jobs = new ReconcileJobs(catalog.db);
  const summary: ReconcileSummary = {done: 0, cancelled: 0, gapsReconciled: 0, failed: 0, dead: 0, remaining: 0, snapshots: 0, collected: 0, alreadyStored: 0, unrecoverable: 0};
  const byMailbox = new Map<string, ReconcileJob[]>();
  for (const job of jobs.due(options.now())) byMailbox.set(job.mailboxId, [...(byMailbox.get(job.mailboxId) ?? []), job]);

  let spool: SpoolSource | undefined;
  let imap: ImapSource | undefined;
  const finder = new MailboxFinder(options);
  try {
    for (const [mailboxId, group] of byMailbox) {
      const ids = group.map((j) => j.id);
      const gaps = {mailboxId, upTo: jobs.lastOpenGap(mailboxId)};
      const known = options.knownFolder(mailboxId);
      const reader = options.spool();
      const plan = planReconcile(group, reader.locate(mailboxId), options.imap !== undefined);
      let result: ArchiveSummary | FolderProblem;
      if (known.deleted !== undefined && plan.kind !== 'spool') result = new FolderProblem(known.deleted);
      else if (plan.kind === 'none') result = new FolderProblem(plan.reason);
      else if (plan.kind === 'spool') {
        spool ??= new SpoolSource(reader.roots);
        result = await fromSpool(catalog, spool, mailboxId, plan.dir, options);
      } else {
        imap ??= new ImapSource(options.imap as ImapSettings, {metadata: options.metadata, warn: options.warn});
        result = await fromImap(catalog, imap, group, known, finder, options);
      }
      if (result instanceof FolderProblem && known.deleted !== undefined) {
        // Deleted before the collector got to it: nothing will ever be read again; failing would be for good.
        jobs.markCancelled(ids, known.deleted, options.now(), gaps);
        summary.cancelled += ids.length;
        continue;
      }
      if (result instanceof FolderProblem) {
        const dead = jobs.markFailed(ids, result.message, options.now(), options.maxAttempts);
        summary.dead += dead;
        summary.failed += ids.length - dead;
        continue;
      }
      summary.gapsReconciled += jobs.markDone(ids, options.now(), gaps);
      summary.done += ids.length;
      summary.snapshots += result.snapshots;
      summary.collected += result.stored;
      summary.alreadyStored += result.alreadyStored;
      summary.unrecoverable += result.unrecoverable;
    }
  } finally {
    await spool?.close();
    await imap?.close();
    await finder.close();
  }
  summary.remaining = jobs.countOpen();
  return summary;
}

/** The folder on the spool, named as its own cyrus.header names it now. */
async function fromSpool(catalog: Catalog, source: SpoolSource, mailboxId: string, dir: string, options: ReconcileOptions): Promise<ArchiveSummary | FolderProblem> {
  let name: string;
  try {
    name = adminName(readMailboxHeader(join(dir, 'cyrus.header')).name);
  } catch (error) {
    return new FolderProblem(`cannot read ${join(dir, 'cyrus.header')}: ${errorMessage(error)}`);
  }
  return archiveOne(catalog, new OneMailbox(source, mailboxId), {kind: 'mailbox', name}, options);
}

/**
 * The folder over IMAP: by the newest name the catalog knows, then the jobs' own; then by its mailboxID
 * among its owner's folders (a parent's rename sends no event for the children it moves).
 */
async function fromImap(
  catalog: Catalog,
  source: ImapSource,
  group: readonly ReconcileJob[],
  known: KnownFolder,
  finder: MailboxFinder,
  options: ReconcileOptions,
): Promise<ArchiveSummary | FolderProblem> {
  const first = group[0] as ReconcileJob;
  // Newest first: the name in the newest notification about the folder, then the jobs' own.
  const names = [...new Set([known.name, ...group.map((j) => j.mailboxName).reverse()])].filter((n): n is string => n !== undefined);
  let problem: FolderProblem | undefined;
  const tryName = async (name: string) => {
    const result = await archiveOne(catalog, new OneMailbox(source, first.mailboxId), {kind: 'mailbox', name}, options);
    if (result instanceof FolderProblem && result.notThisName) problem ??= result;
    return result;
  };
  for (const name of names) {
    const result = await tryName(name);
    if (!(result instanceof FolderProblem) || !result.notThisName) return result;
  }
  const found = await finder.find(first.mailboxId, names);
  if (found instanceof FolderProblem) return found;
  if (found !== undefined && !names.includes(found)) return tryName(found);
  if (found === undefined && names.length > 0) {
    return new FolderProblem(`mailbox ${first.mailboxId} (last known as ${names[0]}) is not on the IMAP server: none of ${searchPatterns(names[0] as string, separatorOf(names[0] as string)).join(', ')} has that MAILBOXID`);
  }
  return problem ?? new FolderProblem(`no name known for mailbox ${first.mailboxId}`);
}

/** Looks folders up by mailboxID over an admin connection of its own, opened on first use. */
class MailboxFinder {
  private client: ImapFlow | undefined;

  constructor(private readonly options: Pick<ReconcileOptions, 'imap' | 'warn'>) {}

  /** The folder's admin name now; undefined when its owner has none with that mailboxID. */
  async find(mailboxId: string, names: readonly string[]): Promise<string | FolderProblem | undefined> {
    if (this.options.imap === undefined || names.length === 0) return undefined;
    this.client ??= await connectImap(this.options.imap, {warn: this.options.warn});
    const patterns = [...new Set(names.flatMap((n) => searchPatterns(n, separatorOf(n))))];
    try {
      return await findByMailboxId(this.client, mailboxId, patterns);
    } catch (error) {
      if (error instanceof BonnieError && error.code === 'ImapListFailed') return new FolderProblem(error.message);
      throw error;
    }
  }

  async close(): Promise<void> {
    await this.client?.logout().catch(() => this.client?.close());
    this.client = undefined;
  }
}

async function archiveOne(catalog: Catalog, source: FolderSource, selector: Selector & {kind: 'mailbox'}, options: ReconcileOptions): Promise<ArchiveSummary | FolderProblem> {
  try {
    return await archiveFolders(catalog, source, selector, {archiveDir: options.archiveDir, now: options.now, warn: options.warn});
  } catch (error) {
    if (error instanceof FolderProblem) return error;
    if (error instanceof BonnieError && error.code === 'NothingToArchive') return new FolderProblem(`${error.message} (deleted, or renamed since)`, true);
    throw error;
  }
}

/** Cyrus' hierarchy separator in an admin name: `/` with unixhierarchysep (`user/alice/Sent`), else `.`. */
function separatorOf(adminName: string): string {
  return adminName.startsWith('user/') ? '/' : '.';
}

/** Something wrong with one folder: its jobs fail, the run goes on. */
class FolderProblem extends Error {
  /** The name does not lead to the job's folder: another name may. */
  constructor(message: string, readonly notThisName = false) {
    super(message);
  }
}

/**
 * A source restricted to one mailbox: what it reads must be that mailboxID, and its errors are sorted into
 * the folder's (FolderProblem) and the run's (thrown as they are).
 */
class OneMailbox implements FolderSource {
  readonly kind;

  constructor(private readonly inner: FolderSource, private readonly mailboxId: string) {
    this.kind = inner.kind;
  }

  async listFolders(selector: Selector): Promise<FolderRef[]> {
    try {
      return await this.inner.listFolders(selector);
    } catch (error) {
      throw this.sort(error, false);
    }
  }

  async readFolder(folder: FolderRef): Promise<FolderState> {
    let state: FolderState;
    try {
      state = await this.inner.readFolder(folder);
    } catch (error) {
      throw this.sort(error, true);
    }
    if (state.mailboxId !== this.mailboxId) {
      throw new FolderProblem(`folder ${folder.name} is now another mailbox (${state.mailboxId}, not ${this.mailboxId}): renamed, or deleted and the name reused`, true);
    }
    return state;
  }

  async *readMessages(folder: FolderState, uids: readonly number[]): AsyncIterable<MessageBytes> {
    try {
      yield* this.inner.readMessages(folder, uids);
    } catch (error) {
      throw this.sort(error, true);
    }
  }

  /** The inner source is shared by the run's jobs: closed by the run. */
  async close(): Promise<void> {}

  /**
   * The run's errors: the server unreachable or the connection lost, the admin's login refused (listing
   * logs in as the admin), the spool unreadable for this user. Anything else concerns this folder.
   */
  private sort(error: unknown, asOwner: boolean): unknown {
    if (error instanceof FolderProblem) return error;
    if (error instanceof BonnieError) {
      if (error.code === 'ImapUnreachable' || error.code === 'SpoolUnreadable' || TLS_ERROR_CODES.has(error.code)) return error;
      if (error.code === 'ImapLoginFailed' && !asOwner) return error;
      return new FolderProblem(error.message);
    }
    const status = (error as {responseStatus?: string}).responseStatus;
    if (this.kind === 'imap' && status !== 'NO' && status !== 'BAD') {
      return new BonnieError('ImapUnreachable', `the connection to the IMAP server failed: ${errorMessage(error)}`, {
        cause: error,
        hint: 'Check imap_url and that Cyrus is running; the reconcile jobs stay open for the next run.',
      });
    }
    const text = (error as {responseText?: string}).responseText;
    return new FolderProblem(text === undefined ? errorMessage(error) : `${errorMessage(error)}: ${text}`);
  }
}
