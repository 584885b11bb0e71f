/**
 * The socket dealer: `bonnie dealer --listen <socket>`. A long-running process that binds Cyrus'
 * `notifysocket` in place of notifyd, so Cyrus needs no process per event (notifyd runs
 * `notify_external` once per event and waits for it: about ten events per second with a Node program).
 *
 * Contracts:
 * - Each datagram is one delivery with source `notify_socket`; its bytes in the catalog are the event's
 *   JSON, exactly what notify_external would have stored (so the two paths deduplicate each other). A
 *   datagram that is not a valid event notification is quarantined whole, byte for byte, with the
 *   reason (see datagram.ts); it is never dropped.
 * - Datagrams are committed in batches, in arrival order: one IMMEDIATE transaction per batch, closed at
 *   {@link BATCH_MAX_DATAGRAMS} or {@link BATCH_MAX_DELAY_MS} after its first datagram, whichever comes
 *   first. One catalog connection serves the whole run; it is reopened after a failure.
 * - A batch the catalog cannot take (locked past `dealer_timeout`, read-only, missing, disk full) goes to
 *   the spill folder, one file per datagram, and the daemon keeps running; for
 *   {@link CATALOG_RETRY_MS} after a failure, batches are spilled without trying the catalog, so that a
 *   long lock does not make every batch wait the full timeout. `bonnie dealer --drain-spill` queues them.
 * - The socket file is mode 0660, group `--socket-group` (default `mail`): Cyrus can write, nobody
 *   else. A socket file is removed before binding only when nothing answers on it.
 * - stop() (SIGTERM, SIGINT) removes the socket file first (new sends fail at once instead of queueing),
 *   reads what the kernel still holds until the socket has been quiet for {@link SHUTDOWN_QUIET_MS},
 *   then closes the socket and commits (or spills) everything received. Closing first would discard
 *   the queued datagrams and fail the senders blocked on the full queue.
 *
 * Backpressure (Linux): a unix datagram socket queues at most `net.unix.max_dgram_qlen` + 1 datagrams
 * (sysctl, default 10, read when the socket is created). Cyrus' notify() uses a blocking socket, so when
 * the queue is full its sendto() waits (the IMAP or LMTP command stalls; nothing is lost) until we read.
 * We do not read while a batch commits (SQLite is synchronous), so raise the sysctl to absorb bursts.
 * When the socket file is missing or nobody is bound to it, sendto() fails (ENOENT, ECONNREFUSED):
 * Cyrus logs `NOTIFY(EVENT): unable to sendto() socket` and the event is lost; it never retries.
 */
import {lstatSync, statSync, unlinkSync} from 'node:fs';
import {resolve} from 'node:path';
import {openCatalog, type Catalog} from '../catalog/catalog.js';
import {errorMessage} from '../errors.js';
import {createLogger, type Logger} from '../log/logger.js';
import {Ingester, judge, splitLines, type Delivery, type IngestSummary} from '../queue/ingest.js';
import {decodeNotifyDatagram} from './datagram.js';
import {scanForGaps} from './gaps.js';
import {describeSocketError, type UnixDgramSocket} from '../system/unix-dgram.js';
import {removeIfPresent} from '../system/files.js';
import {bindSocket, maxDgramQueue, restrictSocket, SOCKET_MODE} from './notify-socket.js';
import {writeSpill} from './spill.js';

/** A batch is committed once it holds this many datagrams. */
export const BATCH_MAX_DATAGRAMS = 500;
/** ...or this long after its first datagram arrived, whichever comes first. */
export const BATCH_MAX_DELAY_MS = 50;
/** The gap detector reads what was committed at most this often (and once more at stop). */
export const GAP_SCAN_INTERVAL_MS = 1000;
/** Counters are logged (and emitted as `progress`) this often, when they changed. */
export const STATS_INTERVAL_MS = 60 * 1000;
/** After a failed commit, batches go straight to the spill folder for this long before the catalog is tried again. */
export const CATALOG_RETRY_MS = 5 * 1000;
/** On stop, reading ends once no datagram arrived for this long... */
export const SHUTDOWN_QUIET_MS = 50;
/** ...or after this long in all. */
export const SHUTDOWN_DRAIN_MAX_MS = 2 * 1000;
const EVENT_CLASS = 'EVENT';
const MAX_PROBLEMS_SHOWN = 5;

export interface ListenerOptions {
  /** Path of the socket to bind: Cyrus' `notifysocket`. */
  socket: string;
  catalog: string;
  spill: string;
  /** How long a commit waits for a locked catalog before its batch is spilled (`dealer_timeout`), ms. */
  busyTimeoutMs: number;
  /** Log file; undefined logs to syslog. */
  logFile?: string | undefined;
  /** Group that may write the socket, a name or a number. Undefined means {@link DEFAULT_SOCKET_GROUP}, leniently. */
  socketGroup?: string | undefined;
  batchMaxDatagrams?: number;
  batchMaxDelayMs?: number;
  statsIntervalMs?: number;
  catalogRetryMs?: number;
  /** Receives what a long-running command reports (JSON Lines with `--json`). */
  onProgress?: (progress: ListenerProgress) => void;
}

/** What the listener has done so far. Every datagram received ends up committed, spilled or lost. */
export interface ListenerCounters {
  /** Datagrams received. */
  received: number;
  /** Datagrams committed to the catalog (queued, duplicate or quarantined). */
  committed: number;
  /** New notifications queued. */
  queued: number;
  /** Byte-identical repeats of a notification already held. */
  duplicates: number;
  /** Datagrams (or messages) quarantined because they are not valid events. */
  quarantined: number;
  /** Datagrams written to the spill folder because the catalog could not take them. */
  spilled: number;
  /** Datagrams neither committed nor spilled; their bytes are in the log (base64). */
  lost: number;
  /** Transactions committed. */
  batches: number;
  /** Gaps (events Cyrus never delivered) the detector found in what was committed. */
  gaps: number;
}

/** JSON Lines of `bonnie dealer --listen --json`, one object per line, told apart by `type`. */
export type ListenerProgress =
  | {type: 'listening'; socket: string; catalog: string; spill: string; socketMode: string; socketGroup: string | null; queueDatagrams: number | null}
  | ({type: 'progress'} & ListenerCounters)
  | {type: 'catalog-unavailable'; reason: string; spill: string}
  | {type: 'catalog-available'; spilled: number}
  | ({type: 'stopped'} & ListenerCounters);

/**
 * Turns one datagram into a delivery: the event's JSON when the datagram is a valid event notification,
 * otherwise the whole datagram marked `rejected` with the reason, for the quarantine.
 */
export function deliveryFromDatagram(bytes: Uint8Array, receivedAt: number): Delivery {
  const reject = (reason: string): Delivery => ({raw: bytes, receivedAt, source: 'notify_socket', rejected: reason});
  const decoded = decodeNotifyDatagram(bytes);
  if (!decoded.ok) return reject(decoded.error);
  const {datagram} = decoded;
  if (datagram.class !== EVENT_CLASS) {
    return reject(`class "${datagram.class}" (method "${datagram.method}") is not an event notification; bonnie does not deliver notifyd's other notifications`);
  }
  const lines = splitLines(datagram.message);
  if (lines.length === 0) return reject(datagram.message.length === 0 ? 'empty message' : 'message holds only blank lines');
  const problems: string[] = [];
  for (const {line, number} of lines) {
    const verdict = judge(line);
    if (!verdict.ok) problems.push(lines.length === 1 ? verdict.error : `line ${number}: ${verdict.error}`);
  }
  if (problems.length > 0) {
    const shown = problems.slice(0, MAX_PROBLEMS_SHOWN).join('; ');
    return reject(`message ${problems.length > MAX_PROBLEMS_SHOWN ? `${shown}; and ${problems.length - MAX_PROBLEMS_SHOWN} more lines` : shown}`);
  }
  return {raw: datagram.message, receivedAt, source: 'notify_socket'};
}

/** A bound notify socket committing what it receives. Create with {@link NotifyListener.open}. */
export class NotifyListener {
  private readonly counts: ListenerCounters = {received: 0, committed: 0, queued: 0, duplicates: 0, quarantined: 0, spilled: 0, lost: 0, batches: 0, gaps: 0};
  private lastGapScan = 0;
  private pending: Delivery[] = [];
  private batchTimer: NodeJS.Timeout | undefined;
  private statsTimer: NodeJS.Timeout | undefined;
  private statsLogged = '';
  /** Whether a quarantine was logged in this stats interval: a flood of bad datagrams must not flood the log. */
  private quarantineLogged = false;
  private readonly unknownTypes = new Set<string>();
  private catalog: Catalog | undefined;
  private ingester: Ingester | undefined;
  /** Set while the catalog is failing: batches are spilled without trying it before `retryAt`. */
  private outage: {reason: string; retryAt: number; spilledBefore: number} | undefined;
  private socket: {handle: UnixDgramSocket; dev: number; ino: number} | undefined;
  private stopping: Promise<ListenerCounters> | undefined;
  private readonly socketPath: string;
  private readonly logger: Logger;
  private readonly batchMaxDatagrams: number;
  private readonly batchMaxDelayMs: number;
  private readonly catalogRetryMs: number;

  private constructor(private readonly options: ListenerOptions) {
    this.socketPath = resolve(options.socket);
    this.logger = createLogger({ident: 'bonnie-dealer', file: options.logFile});
    this.batchMaxDatagrams = options.batchMaxDatagrams ?? BATCH_MAX_DATAGRAMS;
    this.batchMaxDelayMs = options.batchMaxDelayMs ?? BATCH_MAX_DELAY_MS;
    this.catalogRetryMs = options.catalogRetryMs ?? CATALOG_RETRY_MS;
  }

  /**
   * Binds the socket and starts receiving. Throws BonnieError when the path is taken (SocketInUse: a
   * live listener; SocketPathTaken: not a socket) or cannot be bound or given to the group
   * (SocketUnavailable, SocketGroupUnknown). An unavailable catalog does not stop it: it spills.
   */
  static open(options: ListenerOptions): NotifyListener {
    const listener = new NotifyListener(options);
    listener.bind();
    return listener;
  }

  /** Absolute path of the bound socket. */
  get path(): string {
    return this.socketPath;
  }

  /** A snapshot of the counters. */
  get counters(): ListenerCounters {
    return {...this.counts};
  }

  /** Commits (or spills) the datagrams received so far now, without waiting for the batch to close. */
  flush(): void {
    this.commitPending();
  }

  /**
   * Stops: removes the socket file, reads what is still queued, closes the socket, commits or spills
   * everything received, closes the catalog. Resolves with the final counters; calling it again returns
   * the same promise.
   */
  stop(): Promise<ListenerCounters> {
    this.stopping ??= this.shutDown();
    return this.stopping;
  }

  private bind(): void {
    const {options, socketPath, logger} = this;
    // Datagrams arrive through the event loop, so never before open() has returned.
    const handle = bindSocket(socketPath, (bytes) => this.receive(bytes));
    let group: string | null;
    try {
      group = restrictSocket(socketPath, options.socketGroup, logger);
      const {dev, ino} = statSync(socketPath);
      this.socket = {handle, dev, ino};
    } catch (error) {
      handle.close();
      removeIfPresent(socketPath);
      throw error;
    }
    handle.on('error', (error) => logger.log('error', `notify socket ${socketPath}: ${describeSocketError(error)}`));
    const queue = maxDgramQueue();
    const mode = `0${SOCKET_MODE.toString(8)}`;
    logger.log('info', `listening on ${socketPath} (mode ${mode}, group ${group ?? 'unchanged'}); catalog ${options.catalog}; the kernel queues ${queue ?? 'an unknown number of'} datagrams (net.unix.max_dgram_qlen) before Cyrus waits`);
    options.onProgress?.({type: 'listening', socket: socketPath, catalog: options.catalog, spill: options.spill, socketMode: mode, socketGroup: group, queueDatagrams: queue});
    this.statsTimer = setInterval(() => this.reportStats(), options.statsIntervalMs ?? STATS_INTERVAL_MS);
    this.statsTimer.unref();
    this.connect(Date.now());
  }

  private async shutDown(): Promise<ListenerCounters> {
    this.removeSocketFile();
    // Whatever the kernel still holds is read by the event loop while we wait: wait for one quiet period.
    const deadline = Date.now() + SHUTDOWN_DRAIN_MAX_MS;
    let seen = -1;
    while (seen !== this.counts.received && Date.now() < deadline) {
      seen = this.counts.received;
      await new Promise((resolvePromise) => setTimeout(resolvePromise, SHUTDOWN_QUIET_MS));
    }
    this.socket?.handle.close();
    this.commitPending();
    this.scanGaps(Date.now());
    clearInterval(this.statsTimer);
    this.disconnect();
    const counters = this.counters;
    this.logger.log('info', `stopped: ${describeCounters(counters)}`);
    this.options.onProgress?.({type: 'stopped', ...counters});
    await this.logger.flush();
    return counters;
  }

  private receive(bytes: Buffer): void {
    this.counts.received++;
    this.pending.push(deliveryFromDatagram(bytes, Date.now()));
    if (this.pending.length >= this.batchMaxDatagrams) this.commitPending();
    else this.batchTimer ??= setTimeout(() => this.commitPending(), this.batchMaxDelayMs);
  }

  private commitPending(): void {
    if (this.batchTimer !== undefined) clearTimeout(this.batchTimer);
    this.batchTimer = undefined;
    const batch = this.pending;
    this.pending = [];
    if (batch.length === 0) return;
    const now = Date.now();
    const ingester = this.connect(now);
    if (ingester !== undefined) {
      try {
        const summary = ingester.ingest(batch);
        this.counts.batches++;
        this.counts.committed += batch.length;
        this.counts.queued += summary.queued;
        this.counts.duplicates += summary.duplicates;
        this.counts.quarantined += summary.quarantined;
        this.reportCommitted(summary, batch);
        if (now - this.lastGapScan >= GAP_SCAN_INTERVAL_MS) this.scanGaps(now);
        return;
      } catch (error) {
        this.disconnect();
        this.catalogFailed(errorMessage(error), now);
      }
    }
    this.spillBatch(batch);
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

  /** The open connection's ingester; opens the catalog unless it failed less than catalogRetryMs ago. */
  private connect(now: number): Ingester | undefined {
    if (this.ingester !== undefined) return this.ingester;
    if (this.outage !== undefined && now < this.outage.retryAt) return undefined;
    try {
      this.catalog = openCatalog(this.options.catalog, {busyTimeoutMs: this.options.busyTimeoutMs});
      this.ingester = new Ingester(this.catalog.db);
    } catch (error) {
      this.disconnect();
      this.catalogFailed(errorMessage(error), now);
      return undefined;
    }
    if (this.outage !== undefined) {
      const spilled = this.counts.spilled - this.outage.spilledBefore;
      this.outage = undefined;
      this.logger.log('info', `catalog available again; ${spilled} notification(s) were spilled to ${this.options.spill} meanwhile: run "bonnie dealer --drain-spill"`);
      this.options.onProgress?.({type: 'catalog-available', spilled});
    }
    return this.ingester;
  }

  private disconnect(): void {
    const catalog = this.catalog;
    this.catalog = undefined;
    this.ingester = undefined;
    try {
      catalog?.close();
    } catch (error) {
      this.logger.log('warning', `closing the catalog failed: ${errorMessage(error)}`);
    }
  }

  private catalogFailed(reason: string, now: number): void {
    const first = this.outage === undefined;
    this.outage = {reason, retryAt: now + this.catalogRetryMs, spilledBefore: this.outage?.spilledBefore ?? this.counts.spilled};
    if (!first) return;
    this.logger.log('warning', `catalog unavailable (${reason}); spilling notifications to ${this.options.spill}, trying the catalog again every ${this.catalogRetryMs} ms; run "bonnie dealer --drain-spill" once it is fixed`);
    this.options.onProgress?.({type: 'catalog-unavailable', reason, spill: this.options.spill});
  }

  /**
   * One spill file per datagram, as the per-event dealer writes them. A rejected datagram is spilled as
   * it came; the drain quarantines it again, under the reason its content gives (not JSON).
   */
  private spillBatch(batch: readonly Delivery[]): void {
    const reason = this.outage?.reason ?? 'catalog unavailable';
    for (const delivery of batch) {
      try {
        writeSpill(this.options.spill, delivery);
        this.counts.spilled++;
      } catch (error) {
        // Last resort, as in the per-event dealer: the log keeps the bytes so that they can be recovered.
        this.counts.lost++;
        const payload = Buffer.from(delivery.raw).toString('base64');
        this.logger.log('error', `LOST unless recovered from this line: catalog unavailable (${reason}) and spill failed (${errorMessage(error)}); source notify_socket; received ${new Date(delivery.receivedAt).toISOString()}; base64 payload: ${payload}`);
      }
    }
  }

  private reportCommitted(summary: IngestSummary, batch: readonly Delivery[]): void {
    for (const type of summary.unknownTypes) {
      if (this.unknownTypes.has(type)) continue;
      this.unknownTypes.add(type);
      this.logger.log('warning', `queued an event of unknown type "${type}"`);
    }
    if (summary.quarantined > 0 && !this.quarantineLogged) {
      this.quarantineLogged = true;
      const example = batch.find((delivery) => delivery.rejected !== undefined)?.rejected;
      this.logger.log('warning', `quarantined ${summary.quarantined} datagram(s) that are not valid events${example === undefined ? '' : ` (${example})`}; see "bonnie status"; counts follow in the periodic summary`);
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

  /** Removes the socket file if it is still the one we bound. */
  private removeSocketFile(): void {
    if (this.socket === undefined) return;
    try {
      const {dev, ino} = lstatSync(this.socketPath);
      if (dev === this.socket.dev && ino === this.socket.ino) unlinkSync(this.socketPath);
      else this.logger.log('warning', `${this.socketPath} was replaced by another file; left in place`);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') this.logger.log('warning', `cannot remove ${this.socketPath}: ${errorMessage(error)}`);
    }
  }
}

/**
 * Runs the listener until one of `signals` arrives, then stops it and resolves with the final counters.
 * What `bonnie dealer --listen` calls.
 */
export async function runNotifyListener(options: ListenerOptions, signals: readonly NodeJS.Signals[] = ['SIGTERM', 'SIGINT']): Promise<ListenerCounters> {
  let stopRequested: () => void = () => undefined;
  const requested = new Promise<void>((resolvePromise) => (stopRequested = resolvePromise));
  const onSignal = () => stopRequested();
  // Handlers first: a signal that arrives while the socket is being set up must stop us cleanly, not
  // kill us with the socket file left behind (signals reach JavaScript only once open() has returned).
  for (const signal of signals) process.on(signal, onSignal);
  try {
    const listener = NotifyListener.open(options);
    await requested;
    return await listener.stop();
  } finally {
    for (const signal of signals) process.removeListener(signal, onSignal);
  }
}

function describeCounters(c: ListenerCounters): string {
  return `received ${c.received}; committed ${c.committed} in ${c.batches} transaction(s): ${c.queued} queued, ${c.duplicates} duplicate(s), ${c.quarantined} quarantined; spilled ${c.spilled}; lost ${c.lost}; gaps found ${c.gaps}`;
}
