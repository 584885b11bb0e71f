/**
 * The administrator's side of lawful interception (issue 16, item 1): what `bonnie intercept add|list|end|
 * verify-log` do. Nothing here writes to the catalog, to syslog or to stdout: a warrant is known to the
 * interception store (root's only) and its log, and to the administrator's terminal.
 */
import {setPriority} from 'node:os';
import {parseInstant} from '../../base/config/dates.js';
import type {Settings} from '../../base/config/settings.js';
import {BonnieError} from '../../base/errors.js';
import {createDirectory} from '../../sources/directory/create-directory.js';
import type {Directory} from '../../sources/directory/types.js';
import {openCatalog} from '../../base/catalog/catalog.js';
import {openSpool} from '../collect/spool.js';
import {encodeKeepAlive, encodePsPdu, mapEvent} from './handover/records.js';
import type {KeepAliveOptions} from './handover/tcp-sender.js';
import {HandoverQueue, type HandoverState} from './queue.js';
import {serveIntercepts, type ServeLine, type ServeSummary} from './serve.js';
import {openInterceptStore, requireRoot} from './store-file.js';
import {checkCountry, checkLiid, checkTcpUrl, invalid} from './validate.js';
import {Warrants, type Delivery, type Intercept, type InterceptLogReport, type InterceptTarget} from './warrants.js';

/** What `bonnie intercept add` is given, as typed. */
export interface AddInput {
  liid: string;
  agency: string;
  targets: string[];
  start: string;
  end: string;
  hi2?: string | undefined;
  hi3?: string | undefined;
  folder?: string | undefined;
  authCountry: string;
  deliveryCountry: string;
}

type StoreSettings = Pick<Settings, 'interceptDb' | 'ldap'>;

/** What `bonnie intercept serve` is given besides the settings. */
export interface ServeInput {
  keepAlive: KeepAliveOptions;
  operatorId: string;
  networkElementId?: string | undefined;
  /** The niceness serve's main thread takes while it keeps up (0-19): Cyrus' work goes first when the CPU is busy. */
  nice: number;
  /** How long a delivered PDU keeps its bytes (ms); undefined: for ever. */
  keepDeliveredMs: number | undefined;
  onLine: (line: ServeLine) => void;
}

/**
 * `bonnie intercept serve`: opens the interception store (root's), the catalog read-only and the spool's
 * partitions, then hands over until SIGTERM or SIGINT. Throws InterceptNotRoot, InterceptStoreMissing
 * (no warrant was ever added), InterceptStoreInsecure, CatalogMissing.
 */
export async function serveFromSettings(settings: Pick<Settings, 'interceptDb' | 'catalog' | 'spool' | 'partitions'>, input: ServeInput): Promise<ServeSummary> {
  requireRoot();
  const onLag = servePriority(input.nice, input.onLine);
  const store = openInterceptStore(settings.interceptDb);
  // Two commits per PDU (queued, delivered): in WAL mode NORMAL keeps each one across a crash of bonnie,
  // without an fsync that would compete with Cyrus' own. A power loss may take the last commits back:
  // the cursor goes back with the PDUs it covered (nothing is lost, the events are mapped again), and a
  // PDU sent but no longer marked is sent again, with its sequence number (docs/OPERATIONS.md).
  store.db.pragma('synchronous = NORMAL');
  try {
    const catalog = openCatalog(settings.catalog, {readOnly: true});
    try {
      // Lenient: a partition that is not here is said, not fatal (the IRI records need no spool).
      const spool = openSpool([settings.spool, ...settings.partitions], true, (message) => input.onLine({type: 'warning', at: new Date().toISOString(), message}));
      return await serveIntercepts(store.db, catalog.db, {
        codec: {mapEvent, encodePsPdu, encodeKeepAlive}, spool, keepAlive: input.keepAlive, operatorId: input.operatorId,
        networkElementId: input.networkElementId, catalogPath: catalog.path, keepDeliveredMs: input.keepDeliveredMs, onLag, onLine: input.onLine,
      });
    } finally {
      catalog.close();
    }
  } finally {
    store.close();
  }
}

/** Behind by more than this (the oldest event not yet mapped), serve runs at Cyrus' priority... */
export const BEHIND_MS = 1000;
/** ...until it is within this again. */
export const CAUGHT_UP_MS = 250;

/** The niceness serve should run at, given how far behind it is and whether it was behind (hysteresis). */
export function niceFor(lagMs: number, wasBehind: boolean, nice: number): {behind: boolean; nice: number} {
  const behind = wasBehind ? lagMs >= CAUGHT_UP_MS : lagMs > BEHIND_MS;
  return {behind, nice: behind ? 0 : nice};
}

/**
 * Serve's priority: `nice` while it keeps up, so that on a busy host the CPU goes to Cyrus' deliveries first
 * and the handover uses the idle moments (bench/README.md, intercept.ts: the delivery-rate target); Cyrus'
 * own (0) while it is more than {@link BEHIND_MS} behind, so that the handover's latency stays in its budget
 * (IRI p99 2 s) under a sustained load. Lowering the niceness again needs CAP_SYS_NICE (root has it; the
 * unit keeps it): without it, serve says so once and stays where it is. Linux gives each thread its own
 * niceness: this is the main thread, where serve's work is.
 */
function servePriority(nice: number, onLine: (line: ServeLine) => void): (lagMs: number) => void {
  if (!Number.isInteger(nice) || nice < 0 || nice > 19) throw invalid(`--nice ${nice} is not 0 to 19`, 'Give a niceness from 0 (as Cyrus) to 19 (only when the CPU is idle).');
  let behind = false;
  let current = Number.NaN;
  let warned = false;
  const set = (value: number) => {
    if (value === current) return;
    try {
      setPriority(0, value);
      current = value;
    } catch (error) {
      current = value;
      if (warned) return;
      warned = true;
      onLine({type: 'warning', at: new Date().toISOString(), message: `cannot set serve's niceness to ${value}: ${(error as Error).message}`});
    }
  };
  set(nice);
  return (lagMs) => {
    const next = niceFor(lagMs, behind, nice);
    behind = next.behind;
    set(next.nice);
  };
}

/** Checks everything given, resolves the targets, then stores the warrant and logs it. */
export async function addIntercept(settings: StoreSettings, input: AddInput, actor: string, now: Date, directory?: Directory): Promise<Intercept> {
  requireRoot();
  const liid = checkLiid(input.liid);
  const agency = input.agency.trim();
  if (agency === '') throw invalid('--agency is empty', 'Give the agency\'s id, as in its order.');
  const authCountry = checkCountry(input.authCountry, '--auth-country');
  const deliveryCountry = checkCountry(input.deliveryCountry, '--delivery-country');
  const start = parseInstant(input.start, '--start', now, {future: true});
  const end = parseInstant(input.end, '--end', now, {future: true});
  if (end <= start) throw invalid('--end is not after --start', 'Nothing is delivered outside the warrant\'s period: give its end after its start.');
  if (end <= now.getTime()) throw invalid('--end is in the past', 'A warrant that is over delivers nothing: check --end.');
  const delivery = checkDelivery(input);
  if (input.targets.length === 0) throw invalid('no --target', 'Give each target\'s login or address (--target, repeated).');
  // The directory is asked before the store is touched: a refused target leaves no trace.
  const targets = await resolveTargets(directory ?? createDirectory(settings), input.targets);
  const store = openInterceptStore(settings.interceptDb, {create: true});
  try {
    return new Warrants(store.db).add({liid, agency, authCountry, deliveryCountry, start, end, delivery, targets}, actor, now.getTime());
  } finally {
    store.close();
  }
}

/** Every warrant, oldest first, with its state at `now`. */
/** A warrant with where its handover stands, per destination (HI2: IRI, HI3: CC, or both into its folder). */
export interface ListedIntercept extends Intercept {
  handover: {hi2: HandoverState; hi3: HandoverState};
}

export function listIntercepts(settings: StoreSettings, now: Date): ListedIntercept[] {
  const store = openInterceptStore(settings.interceptDb, {readOnly: true});
  try {
    const warrants = new Warrants(store.db);
    const queue = new HandoverQueue(store.db);
    return warrants.list(now.getTime()).map((intercept) => {
      const id = warrants.idOf(intercept.liid) as number;
      return {...intercept, handover: {hi2: queue.state(id, 2), hi3: queue.state(id, 3)}};
    });
  } finally {
    store.close();
  }
}

/** Ends a warrant before its end time; `reason` is logged. */
export function endIntercept(settings: StoreSettings, liid: string, reason: string, actor: string, now: Date): Intercept {
  if (reason.trim() === '') throw invalid('--reason is empty', 'Say why the intercept ends (it is logged).');
  const store = openInterceptStore(settings.interceptDb);
  try {
    return new Warrants(store.db).end(liid, reason, actor, now.getTime());
  } finally {
    store.close();
  }
}

/** Checks the interception log's hash chain. Throws InterceptLogBroken (exit 5) naming the first entry that does not follow. */
export function checkInterceptLog(settings: StoreSettings): InterceptLogReport {
  const store = openInterceptStore(settings.interceptDb, {readOnly: true});
  let report: InterceptLogReport;
  try {
    report = new Warrants(store.db).verifyLog();
  } finally {
    store.close();
  }
  const problem = report.firstProblem;
  if (problem !== null) {
    throw new BonnieError('InterceptLogBroken', `the interception log is broken at entry ${problem.seq} (${problem.problem}); the ${report.checked} entries before it are intact`, {
      hint: 'An entry was edited, removed or inserted after it was written: keep the file as evidence, and compare it with a backup.',
    });
  }
  return report;
}

function checkDelivery(input: AddInput): Delivery {
  const tcp = input.hi2 !== undefined || input.hi3 !== undefined;
  if (tcp && input.folder !== undefined) throw invalid('--folder with --hi2/--hi3', 'Deliver either over TCP (--hi2 and --hi3) or to a folder (--folder), not both.');
  if (input.folder !== undefined) {
    if (!input.folder.startsWith('/')) throw invalid(`--folder "${input.folder}" is not an absolute path`, 'Give the folder\'s absolute path.');
    return {folder: input.folder};
  }
  if (input.hi2 === undefined || input.hi3 === undefined) throw invalid('no delivery', 'Give both --hi2 and --hi3 (tcp://host:port), or --folder.');
  return {hi2: checkTcpUrl(input.hi2, '--hi2'), hi3: checkTcpUrl(input.hi3, '--hi3')};
}

async function resolveTargets(directory: Directory, given: string[]): Promise<InterceptTarget[]> {
  const targets: InterceptTarget[] = [];
  try {
    for (const raw of given) {
      const target = raw.trim();
      if (target === '') throw invalid('--target is empty', 'Give a login or an address.');
      if (targets.some((t) => t.given === target)) continue;
      const person = await directory.lookUp(target);
      if (person === undefined) {
        throw new BonnieError('InterceptInvalid', `--target ${target}: the directory knows nobody by this login or address`, {
          hint: 'Check the spelling, or look the person up in LDAP: a target is resolved to the person, with all their addresses.',
        });
      }
      const addresses = [...new Set([person.mail, ...person.aliases].filter((a): a is string => a !== undefined && a !== ''))];
      targets.push({given: target, personId: person.id, login: person.uid ?? target, addresses});
    }
  } finally {
    await directory.close();
  }
  return targets;
}
