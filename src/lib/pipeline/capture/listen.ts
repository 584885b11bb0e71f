/**
 * The socket daemon: `bonnie dealer --listen <socket>`. A long-running process reading Cyrus' `notifysocket`
 * in place of notifyd, so Cyrus needs no process per event (notifyd runs `notify_external` once per event and
 * waits for it: about ten events per second with a Node program).
 *
 * Two threads, so that nothing the catalog does can make Cyrus wait:
 * - the reading thread (socket-reader.ts) reads each datagram and appends it to the capture journal
 *   (journal.ts) before reading the next: from then on a kill -9 of the daemon cannot lose it;
 * - this (main) thread moves the journal into the queue (journal-drain.ts) every {@link DRAIN_INTERVAL_MS},
 *   in transactions of up to 2,000 records, decoding and judging each datagram on the way; a datagram that
 *   is not a valid event is quarantined whole. A locked, missing or full catalog only delays this: the
 *   journal keeps everything, and the catalog is tried again every {@link CATALOG_RETRY_MS}.
 *
 * The socket itself is not ours: it comes from the service manager (systemd socket activation, LISTEN_FDS)
 * or from bonnie's socket holder (holder.ts), which keeps it open while the daemon restarts, so the datagrams
 * the kernel queued, and those Cyrus sends meanwhile, wait for the next daemon instead of being lost.
 *
 * Stop (SIGTERM, SIGINT): the reading thread reads until the socket is empty and exits; what the journal holds
 * is moved into the queue; exit 0. What the catalog cannot take stays in the journal for the next start or
 * `bonnie dealer --drain-spill`.
 */
import {fstatSync, statSync} from 'node:fs';
import {join, resolve} from 'node:path';
import {Worker} from 'node:worker_threads';
import {openCatalog, type Catalog} from '../../base/catalog/catalog.js';
import {BonnieError, errorMessage} from '../../base/errors.js';
import {createLogger, type Logger} from '../../base/log/logger.js';
import {scanForGaps} from './gaps.js';
import {JournalDrain, type JournalDrainSummary} from './journal-drain.js';
import {journalPath} from './journal.js';
import {maxDgramQueue} from './notify-socket.js';
import {ensureReserve} from './reserve.js';
import {checkSpillClaim, claimSpill} from './spill-claim.js';
import {COUNTER, COUNTER_SLOTS, type SocketReaderData, type SocketReaderMessage} from './socket-reader.js';


/** The main thread moves the journal into the queue this often. */
export const DRAIN_INTERVAL_MS = 50;
/** Records moved per drain step; the next step follows at once while more are waiting. */
export const DRAIN_STEP_RECORDS = 10_000;
/** Once this much of the journal file being written is in the catalog, a new file is started and the old one removed. */
export const RECYCLE_JOURNAL_BYTES = 4 * 1024 * 1024;
/** After the reserve was given up, making it again is tried at most this often. */
export const RESERVE_RETRY_MS = 5 * 1000;
/** The gap detector reads what was committed at most this often (and once more at stop). */
export const GAP_SCAN_INTERVAL_MS = 1000;
/** Counters are logged (and emitted as `progress`) this often, when they changed. */
export const STATS_INTERVAL_MS = 60 * 1000;
/** After a failed commit, the catalog is tried again after this long. */
export const CATALOG_RETRY_MS = 1000;
/** On a full disk, the reading thread holds at most this much in memory before Cyrus is made to wait. */
export const MAX_HELD_BYTES = 64 * 1024 * 1024;
/** On stop, how long to wait for a reading thread that does not return (a blocking socket) once nothing is held. */
export const SHUTDOWN_READER_MAX_MS = 2 * 1000;
/** The file descriptor of the first socket handed over by LISTEN_FDS (sd_listen_fds(3)). */
export const LISTEN_FDS_START = 3;

export interface ListenerOptions {
  /** Path of Cyrus' `notifysocket` (for messages: the socket is handed over as `fd`). */
  socket: string;
  /** The bound, non-blocking socket to read. */
  fd: number;
  catalog: string;
  /** Spill folder: the journal lives in its `journal` folder, the reserve beside it. */
  spill: string;
  /** How long a commit waits for a locked catalog (`dealer_timeout`), ms. */
  busyTimeoutMs: number;
  /** Log file; undefined logs to syslog. */
  logFile?: string | undefined;
  statsIntervalMs?: number;
  /** Receives what a long-running command reports (JSON Lines with `--json`). */
  onProgress?: (progress: ListenerProgress) => void;
}

/** What the listener has done so far. Every datagram received is in the journal, the queue, or both. */
export interface ListenerCounters {
  /** Datagrams read from the socket. */
  received: number;
  /** Datagrams written to the journal. */
  journaled: number;
  /** Datagrams moved from the journal into the catalog (queued, duplicate or quarantined), by this daemon. */
  committed: number;
  /** New notifications queued. */
  queued: number;
  /** Byte-identical repeats of a notification already held. */
  duplicates: number;
  /** Datagrams quarantined because they are not valid events. */
  quarantined: number;
  /** Always 0: the journal replaced the spill folder for the daemon (kept for scripts reading the JSON). */
  spilled: number;
  /** Always 0: a datagram read is in the journal before the next one is read. */
  lost: number;
  /** Transactions committed. */
  batches: number;
  /** Gaps (events Cyrus never delivered) the detector found in what was committed. */
  gaps: number;
  /** Times the disk was full and the reserve was given to the journal. */
  reserveReleases: number;
}

/** JSON Lines of `bonnie dealer --listen --json`, one object per line, told apart by `type`. */
export type ListenerProgress =
  | {type: 'listening'; socket: string; catalog: string; spill: string; journal: string; queueDatagrams: number | null}
  | ({type: 'progress'} & ListenerCounters)
  | {type: 'catalog-unavailable'; reason: string; spill: string; journal: string}
  | {type: 'catalog-available'; spilled: number}
  | {type: 'disk-full'; reason: string}
  | ({type: 'stopped'} & ListenerCounters & {left: number});

/** The socket daemon. Create with {@link NotifyListener.open}. */
export class NotifyListener {
  private readonly counts = {committed: 0, queued: 0, duplicates: 0, quarantined: 0, batches: 0, gaps: 0};
  private readonly control = new SharedArrayBuffer(12);
  private readonly shared = new SharedArrayBuffer(8 * COUNTER_SLOTS);
  private readonly journalDir: string;
  private readonly logger: Logger;
  private readonly unknownTypes = new Set<string>();
  private worker: Worker | undefined;
  private readerExited: Promise<void> = Promise.resolve();
  private readerError: string | undefined;
  private catalog: Catalog | undefined;
  private drainer: JournalDrain | undefined;
  /** Device and inode of the catalog file opened: a file replaced at the path (a restore) is reopened. */
  private catalogFile: string | undefined;
  private outage: {reason: string; retryAt: number} | undefined;
  private drainTimer: NodeJS.Timeout | undefined;
  private statsTimer: NodeJS.Timeout | undefined;
  private statsLogged = '';
  private quarantineLogged = false;
  private lastGapScan = 0;
  /** The reserve was given up: made again once the disk has room (checked after drains, at most every RESERVE_RETRY_MS). */
  private reserveWanted = false;
  private lastReserveTry = 0;
  private stopping: Promise<ListenerCounters & {left: number}> | undefined;
  private failed: ((error: Error) => void) | undefined;

  private constructor(private readonly options: ListenerOptions) {
    this.journalDir = join(resolve(options.spill), 'journal');
    this.logger = createLogger({ident: 'bonnie-dealer', file: options.logFile, reference: options.catalog});
  }

  /** Starts reading `options.fd`. Throws BonnieError when it is not a socket. */
  static open(options: ListenerOptions): NotifyListener {
    let isSocket = false;
    try {
      isSocket = fstatSync(options.fd).isSocket();
    } catch {
      isSocket = false;
    }
    if (!isSocket) {
      throw new BonnieError('SocketUnavailable', `file descriptor ${options.fd} is not a socket`, {
        hint: 'LISTEN_FDS says a socket was handed over, but it is not there: start bonnie dealer --listen without LISTEN_FDS, or check the .socket unit.',
      });
    }
    checkSpillClaim(options.spill, options.catalog);
    const listener = new NotifyListener(options);
    listener.start();
    return listener;
  }

  /** A snapshot of the counters. */
  get counters(): ListenerCounters {
    const shared = new BigInt64Array(this.shared);
    return {
      received: Number(Atomics.load(shared, COUNTER.received)),
      journaled: Number(Atomics.load(shared, COUNTER.journaled)),
      ...this.counts,
      spilled: 0,
      lost: 0,
      reserveReleases: Number(Atomics.load(shared, COUNTER.reserveReleases)),
    };
  }

  /** Resolves when the daemon must stop on its own (the reading thread failed); rejects with why. */
  readonly failure = new Promise<never>((_resolve, reject) => (this.failed = reject));

  /** Stops (see the module comment). Calling it again returns the same promise. */
  stop(): Promise<ListenerCounters & {left: number}> {
    this.stopping ??= this.shutDown();
    return this.stopping;
  }

  private start(): void {
    const {options, logger} = this;
    this.failure.catch(() => undefined);
    if (!ensureReserve(options.spill)) logger.log('warning', `no room for the capture reserve in ${options.spill}: a full disk will make Cyrus wait sooner`);
    const data: SocketReaderData = {fd: options.fd, journalDir: this.journalDir, spill: options.spill, maxHeldBytes: MAX_HELD_BYTES, control: this.control, counters: this.shared};
    const worker = new Worker(new URL('./socket-reader.js', import.meta.url), {workerData: data});
    this.worker = worker;
    this.readerExited = new Promise((resolvePromise) => worker.once('exit', () => resolvePromise()));
    worker.on('message', (message: SocketReaderMessage) => this.onReaderMessage(message));
    worker.on('error', (error) => this.onReaderMessage({type: 'fatal', error: errorMessage(error)}));
    const queue = maxDgramQueue();
    logger.log('info', `reading ${options.socket} (fd ${options.fd}); journal ${this.journalDir}; catalog ${options.catalog}; the kernel queues ${queue ?? 'an unknown number of'} datagrams (net.unix.max_dgram_qlen) before Cyrus waits`);
    options.onProgress?.({type: 'listening', socket: options.socket, catalog: options.catalog, spill: options.spill, journal: this.journalDir, queueDatagrams: queue});
    this.statsTimer = setInterval(() => this.reportStats(), options.statsIntervalMs ?? STATS_INTERVAL_MS);
    this.statsTimer.unref();
    this.scheduleDrain(0);
  }

  private onReaderMessage(message: SocketReaderMessage): void {
    switch (message.type) {
      case 'reserve-released':
        this.reserveWanted = true;
        this.logger.log('error', `the disk is full (${message.reason}): the capture reserve was released to keep events; free space on the filesystem of ${this.options.spill}`);
        return;
      case 'disk-full':
        this.logger.log('error', `the disk is full (${message.reason}): events are held in memory, then Cyrus is made to wait; free space on the filesystem of ${this.options.spill}`);
        this.options.onProgress?.({type: 'disk-full', reason: message.reason});
        return;
      case 'disk-writable':
        this.logger.log('info', 'the journal can be written again; events held in memory were written');
        return;
      case 'fatal':
        this.readerError = message.error;
        this.logger.log('error', `the socket reading thread failed: ${message.error}`);
        this.failed?.(new BonnieError('SocketReadFailed', `reading ${this.options.socket} failed: ${message.error}`, {hint: 'The daemon exits so that it is restarted; see the log.'}));
        return;
    }
  }

  private scheduleDrain(delay: number): void {
    if (this.stopping !== undefined) return;
    this.drainTimer = setTimeout(() => {
      const moved = this.drainStep(Date.now());
      this.scheduleDrain(moved >= DRAIN_STEP_RECORDS ? 0 : DRAIN_INTERVAL_MS);
    }, delay);
  }

  private remakeReserve(now: number): void {
    this.lastReserveTry = now;
    try {
      if (!ensureReserve(this.options.spill)) return;
      this.reserveWanted = false;
      this.logger.log('info', `the capture reserve is in place again in ${this.options.spill}`);
    } catch (error) {
      this.logger.log('warning', `cannot make the capture reserve again: ${errorMessage(error)}`);
    }
  }

  /** The file the reading thread writes now (it publishes its stamp before creating it), if any. */
  private activeJournal(): string | undefined {
    const stamp = Number(Atomics.load(new BigInt64Array(this.shared), COUNTER.activeStamp));
    return stamp === 0 ? undefined : journalPath(this.journalDir, stamp, process.pid);
  }

  /** Moves journaled records into the queue; returns how many. A catalog failure is logged, not thrown. */
  private drainStep(now: number, writerStopped = false): number {
    const drainer = this.connect(now);
    if (drainer === undefined) return 0;
    let summary: JournalDrainSummary;
    try {
      summary = drainer.drain(this.journalDir, {active: writerStopped ? undefined : () => this.activeJournal(), ownWriterStopped: writerStopped, maxRecords: DRAIN_STEP_RECORDS, now});
    } catch (error) {
      this.disconnect();
      this.catalogFailed(errorMessage(error), now);
      return 0;
    }
    if (summary.records > 0) {
      this.counts.batches += Math.ceil(summary.records / 2000);
      this.counts.committed += summary.records;
      this.counts.queued += summary.queued;
      this.counts.duplicates += summary.duplicates;
      this.counts.quarantined += summary.quarantined;
      this.reportCommitted(summary);
    }
    if (summary.activeDrainedTo !== undefined && summary.activeDrainedTo >= RECYCLE_JOURNAL_BYTES) {
      const control = new Int32Array(this.control);
      if (Atomics.compareExchange(control, 2, 0, 1) === 0) {
        Atomics.add(control, 1, 1);
        Atomics.notify(control, 1);
      }
    }
    if (now - this.lastGapScan >= GAP_SCAN_INTERVAL_MS) this.scanGaps(now);
    if (this.reserveWanted && now - this.lastReserveTry >= RESERVE_RETRY_MS) this.remakeReserve(now);
    return summary.records;
  }

  private async shutDown(): Promise<ListenerCounters & {left: number}> {
    clearTimeout(this.drainTimer);
    const control = new Int32Array(this.control);
    Atomics.store(control, 0, 1);
    Atomics.add(control, 1, 1);
    Atomics.notify(control, 1);
    // The reading thread empties the socket and exits. One blocked in read() (a socket handed over without
    // O_NONBLOCK) holds nothing: it may be left behind once nothing is held in memory.
    const shared = new BigInt64Array(this.shared);
    for (;;) {
      const exited = await Promise.race([this.readerExited.then(() => true), new Promise<boolean>((r) => setTimeout(() => r(false), SHUTDOWN_READER_MAX_MS))]);
      if (exited || this.readerError !== undefined) break;
      if (Atomics.load(shared, COUNTER.heldBytes) === 0n) break;
      this.logger.log('warning', 'stopping: waiting for room on the disk to write the events held in memory');
    }
    await this.worker?.terminate();
    let now = Date.now();
    while (this.drainStep(now, true) > 0) now = Date.now();
    this.scanGaps(now);
    clearInterval(this.statsTimer);
    const left = this.drainer?.pendingBytes(this.journalDir) ?? -1;
    this.disconnect();
    // After the catalog's last checkpoint: its write-ahead log no longer takes the room.
    if (this.reserveWanted) this.remakeReserve(now);
    const counters = {...this.counters, left};
    if (left !== 0) this.logger.log('warning', `stopped with ${left < 0 ? 'an unknown number of' : left} journal byte(s) not yet in the catalog: they are queued at the next start or by "bonnie dealer --drain-spill"`);
    this.logger.log('info', `stopped: ${describeCounters(counters)}`);
    this.options.onProgress?.({type: 'stopped', ...counters});
    await this.logger.flush();
    return counters;
  }

  /** Runs the gap detector over what was committed; a failure is logged, never fatal to capture. */
  private scanGaps(now: number): void {
    this.lastGapScan = now;
    if (this.catalog === undefined) return;
    try {
      const found = scanForGaps(this.catalog.db, now).opened;
      this.counts.gaps += found;
      if (found > 0) this.logger.log('warning', `${found} gap(s) in the record: events Cyrus did not deliver; see "bonnie gaps"`);
    } catch (error) {
      this.logger.log('warning', `gap detection failed (${errorMessage(error)}); "bonnie gaps" will catch up`);
    }
  }

  /** The open connection's drainer; opens the catalog unless it failed less than CATALOG_RETRY_MS ago. */
  private connect(now: number): JournalDrain | undefined {
    if (this.drainer !== undefined) {
      // The catalog at the path must still be the file open here: one restored from a backup, or removed,
      // would otherwise receive nothing more, and the journal (this daemon's, and those of dead daemons it
      // takes over) would be moved into a file nobody reads again.
      if (fileIdentity(this.options.catalog) === this.catalogFile) return this.drainer;
      this.logger.log('warning', `the catalog ${this.options.catalog} was replaced or removed while the daemon ran: opening what is at the path now`);
      this.disconnect();
    }
    if (this.outage !== undefined && now < this.outage.retryAt) return undefined;
    try {
      this.catalog = openCatalog(this.options.catalog, {busyTimeoutMs: this.options.busyTimeoutMs});
      this.catalogFile = fileIdentity(this.options.catalog);
      claimSpill(this.options.spill, this.catalog.path);
      this.drainer = new JournalDrain(this.catalog.db);
    } catch (error) {
      this.disconnect();
      this.catalogFailed(errorMessage(error), now);
      return undefined;
    }
    if (this.outage !== undefined) {
      this.outage = undefined;
      this.logger.log('info', 'catalog available again; the journal is being moved into the queue');
      this.options.onProgress?.({type: 'catalog-available', spilled: 0});
      if (!ensureReserve(this.options.spill)) this.logger.log('warning', `still no room for the capture reserve in ${this.options.spill}`);
    }
    return this.drainer;
  }

  private disconnect(): void {
    const catalog = this.catalog;
    this.catalog = undefined;
    this.drainer = undefined;
    try {
      catalog?.close();
    } catch (error) {
      this.logger.log('warning', `closing the catalog failed: ${errorMessage(error)}`);
    }
  }

  private catalogFailed(reason: string, now: number): void {
    const first = this.outage === undefined;
    this.outage = {reason, retryAt: now + CATALOG_RETRY_MS};
    if (!first) return;
    this.logger.log('warning', `catalog unavailable (${reason}); events stay in the journal ${this.journalDir}, trying the catalog again every ${CATALOG_RETRY_MS} ms`);
    this.options.onProgress?.({type: 'catalog-unavailable', reason, spill: this.options.spill, journal: this.journalDir});
  }

  private reportCommitted(summary: JournalDrainSummary): void {
    for (const type of summary.unknownTypes) {
      if (this.unknownTypes.has(type)) continue;
      this.unknownTypes.add(type);
      this.logger.log('warning', `queued an event of unknown type "${type}"`);
    }
    if (summary.quarantined > 0 && !this.quarantineLogged) {
      this.quarantineLogged = true;
      this.logger.log('warning', `quarantined ${summary.quarantined} datagram(s) that are not valid events${summary.rejected === undefined ? '' : ` (${summary.rejected})`}; see "bonnie status"; counts follow in the periodic summary`);
    }
  }

  private reportStats(): void {
    this.quarantineLogged = false;
    const counters = this.counters;
    const line = describeCounters(counters);
    if (line === this.statsLogged) return;
    this.statsLogged = line;
    this.logger.log('info', line);
    this.options.onProgress?.({type: 'progress', ...counters});
  }
}

/**
 * Runs the daemon on the socket handed over as fd 3 until one of `signals` arrives (or reading fails), then
 * stops it and resolves with the final counters. What `bonnie dealer --listen` calls under a socket holder.
 */
export async function runNotifyListener(options: ListenerOptions, signals: readonly NodeJS.Signals[] = ['SIGTERM', 'SIGINT']): Promise<ListenerCounters & {left: number}> {
  let stopRequested: () => void = () => undefined;
  const requested = new Promise<void>((resolvePromise) => (stopRequested = resolvePromise));
  const onSignal = () => stopRequested();
  for (const signal of signals) process.on(signal, onSignal);
  try {
    const listener = NotifyListener.open(options);
    // The holder's last run after a stop that came too early: empty the socket, then stop.
    if (process.env.BONNIE_LISTEN_STOP === '1') stopRequested();
    let failure: unknown;
    await Promise.race([requested, listener.failure.catch((error: unknown) => (failure = error))]);
    const counters = await listener.stop();
    if (failure !== undefined) throw failure;
    return counters;
  } finally {
    for (const signal of signals) process.removeListener(signal, onSignal);
  }
}

function describeCounters(c: ListenerCounters & {left?: number}): string {
  return `received ${c.received}; journaled ${c.journaled}; committed ${c.committed} in ${c.batches} transaction(s): ${c.queued} queued, ${c.duplicates} duplicate(s), ${c.quarantined} quarantined; gaps found ${c.gaps}; reserve released ${c.reserveReleases} time(s)`;
}

/** `<dev>:<ino>` of the file at `path`; undefined when there is none. */
function fileIdentity(path: string): string | undefined {
  const stat = statSync(path, {throwIfNoEntry: false});
  return stat === undefined ? undefined : `${stat.dev}:${stat.ino}`;
}
