/**
 * The dealer: what Cyrus' notifyd runs once per event (`notify_external`). It reads the notification on
 * stdin, commits it to the catalog's queue and exits 0, or, when the catalog cannot take it within
 * `dealer_timeout`, spills it to disk and exits 0. Either way the event is kept.
 *
 * Contracts (see ../shared/cyrus/FACTS.md):
 * - Never writes to stdout: it is notifyd's socket. Logs to syslog or the configured file.
 * - Accepts and ignores notifyd's argv: `-c CLASS -p PRIO -u USER -m MAILBOX -f`.
 * - Start-up is on Cyrus' critical path: this module imports only the catalog, the queue and the event
 *   model. No oclif, no React.
 */
import {readSync} from 'node:fs';
import {openCatalog} from '../../base/catalog/catalog.js';
import {BonnieError, errorMessage} from '../../base/errors.js';
import {loadSettings, type Settings} from '../../base/config/settings.js';
import {createLogger, type Logger} from '../../base/log/logger.js';
import {Ingester, type Delivery, type DeliverySource, type IngestSummary} from '../queue/ingest.js';
import {writeSpill} from './spill.js';

export interface DealerOptions {
  catalog?: string | undefined;
  logFile?: string | undefined;
  config?: string | undefined;
  spill?: string | undefined;
  dealerTimeout?: string | undefined;
  /** True when notifyd ran us (its argv, or CYRUS_SERVICE=notify). */
  fromNotifyd: boolean;
}

/** What happened to one delivery. */
export type DealOutcome =
  | {stored: 'catalog'; summary: IngestSummary}
  | {stored: 'spill'; file: string; reason: string}
  | {stored: 'nowhere'; reason: string};

/** notifyd's options that carry a value; `-f` carries none. */
const NOTIFYD_VALUE_OPTIONS = new Set(['-c', '-p', '-u', '-m']);
const OWN_OPTIONS: Record<string, keyof Omit<DealerOptions, 'fromNotifyd'>> = {
  '--catalog': 'catalog',
  '--log-file': 'logFile',
  '--config': 'config',
  '--spill': 'spill',
  '--dealer-timeout': 'dealerTimeout',
};

/**
 * Reads the dealer's argv: its own `--catalog`, `--log-file`, `--config`, `--spill`, `--dealer-timeout`
 * (as `--x value` or `--x=value`), notifyd's `-c -p -u -m -f`, and nothing else matters: unknown words
 * are ignored, because refusing them would lose the event.
 */
export function parseDealerArgv(argv: readonly string[], env: NodeJS.ProcessEnv = process.env): DealerOptions {
  const options: DealerOptions = {fromNotifyd: env.CYRUS_SERVICE === 'notify'};
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    if (NOTIFYD_VALUE_OPTIONS.has(arg)) {
      options.fromNotifyd = true;
      i++;
      continue;
    }
    const eq = arg.indexOf('=');
    const name = eq === -1 ? arg : arg.slice(0, eq);
    const key = OWN_OPTIONS[name];
    if (key === undefined) continue;
    if (eq !== -1) options[key] = arg.slice(eq + 1);
    else options[key] = argv[++i];
  }
  return options;
}

/** Reads fd 0 to end of file. A closed or missing stdin reads as empty. */
export function readStdin(fd = 0): Buffer {
  const chunks: Buffer[] = [];
  const buffer = Buffer.allocUnsafe(64 * 1024);
  for (;;) {
    let n: number;
    try {
      n = readSync(fd, buffer, 0, buffer.length, null);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'EAGAIN') {
        // A non-blocking pipe (inherited from a Node parent): wait for data without spinning.
        Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 5);
        continue;
      }
      if (code === 'EOF' || code === 'EBADF') break;
      throw error;
    }
    if (n === 0) break;
    chunks.push(Buffer.from(buffer.subarray(0, n)));
  }
  return Buffer.concat(chunks);
}

/**
 * Stores one delivery: into the catalog if it answers within the bound, else into the spill folder.
 * Never throws; what went wrong is logged and returned.
 */
export async function deal(raw: Uint8Array, options: DealerOptions, env: NodeJS.ProcessEnv = process.env): Promise<DealOutcome> {
  const receivedAt = Date.now();
  const source: DeliverySource = options.fromNotifyd ? 'notify_external' : 'stdin';
  const delivery: Delivery = {raw, receivedAt, source};
  const {settings, problems, problem} = resolveSettings(options, env);
  const logger = createLogger({ident: 'bonnie-dealer', file: settings.logFile, reference: settings.catalog});
  try {
    for (const line of problems) logger.log('error', `configuration: ${line} (skipped: that key keeps its default; "bonnie status" reports the file's errors)`);
    if (problem !== undefined) logger.log('error', `${problem}; spilling to ${settings.spill}`);
    const outcome = problem === undefined ? store(settings, delivery, logger) : spill(settings, delivery, problem, logger);
    return outcome;
  } finally {
    await logger.flush();
  }
}

function store(settings: Settings, delivery: Delivery, logger: Logger): DealOutcome {
  let summary: IngestSummary;
  try {
    const catalog = openCatalog(settings.catalog, {busyTimeoutMs: settings.dealerTimeoutMs, checkpointOnClose: false});
    try {
      summary = new Ingester(catalog.db).ingest([delivery]);
    } finally {
      catalog.close();
    }
  } catch (error) {
    return spill(settings, delivery, errorMessage(error), logger);
  }
  if (summary.quarantined > 0) logger.log('warning', `quarantined ${summary.quarantined} notification(s) that are not valid events; see "bonnie status"`);
  for (const type of summary.unknownTypes) logger.log('warning', `queued an event of unknown type "${type}"`);
  return {stored: 'catalog', summary};
}

function spill(settings: Settings, delivery: Delivery, reason: string, logger: Logger): DealOutcome {
  try {
    const file = writeSpill(settings.spill, delivery);
    logger.log('warning', `catalog unavailable (${reason}); notification spilled to ${file}; run "bonnie dealer --drain-spill"`);
    return {stored: 'spill', file, reason};
  } catch (error) {
    // Last resort: the log is the only place left. Keep the bytes there so an administrator can recover them.
    const payload = Buffer.from(delivery.raw).toString('base64');
    const why = error instanceof BonnieError && error.hint !== undefined ? `${error.message}; ${error.hint}` : errorMessage(error);
    logger.log('error', `LOST unless recovered from this line: catalog unavailable (${reason}) and spill failed (${why}); source ${delivery.source}; received ${new Date(delivery.receivedAt).toISOString()}; base64 payload: ${payload}`);
    return {stored: 'nowhere', reason: `${reason}; spill failed: ${errorMessage(error)}`};
  }
}

/**
 * Settings for the dealer, read leniently: a wrong line or value must not lose the event, nor send it
 * away from the catalog the other lines name. Each problem is skipped (that key keeps its default) and
 * returned to be logged; strict validation is the CLI's and doctor's. Should loading fail all the same,
 * fall back to what the command line and the path variables say (or the defaults) and spill there
 * (`problem`). The `ldap_*` keys are never read: capture does not use the directory.
 */
function resolveSettings(options: DealerOptions, env: NodeJS.ProcessEnv): {settings: Settings; problems: string[]; problem?: string} {
  const flags = {catalog: options.catalog, logFile: options.logFile, spill: options.spill, dealerTimeoutMs: options.dealerTimeout};
  const problems: string[] = [];
  const onProblem = (error: Error): void => {
    problems.push(errorMessage(error));
  };
  try {
    return {settings: loadSettings(flags, env, options.config, {ldap: false, onProblem}), problems};
  } catch (error) {
    const problem = `configuration invalid: ${errorMessage(error)}`;
    const paths = {BONNIE_CONFIG: '/dev/null', BONNIE_CATALOG: env.BONNIE_CATALOG, BONNIE_SPILL: env.BONNIE_SPILL, BONNIE_LOG_FILE: env.BONNIE_LOG_FILE};
    const fallbackFlags = {catalog: options.catalog, logFile: options.logFile, spill: options.spill};
    try {
      return {settings: loadSettings(fallbackFlags, paths, undefined, {ldap: false, onProblem}), problems, problem};
    } catch {
      return {settings: loadSettings({}, {BONNIE_CONFIG: '/dev/null'}, undefined, {ldap: false}), problems, problem};
    }
  }
}

/** Entry point of bin/bonnie-dealer. Always resolves to 0: notifyd ignores the status anyway. */
export async function main(argv: readonly string[] = process.argv.slice(2)): Promise<number> {
  process.umask(0o027);
  if (argv.includes('--help') || argv.includes('-h')) {
    process.stderr.write(USAGE);
    return 0;
  }
  const options = parseDealerArgv(argv);
  const outcome = await deal(readStdin(), options);
  return outcome.stored === 'nowhere' ? 1 : 0;
}

const USAGE = `usage: bonnie-dealer [--catalog FILE] [--log-file FILE] [--config FILE] [--spill DIR] [--dealer-timeout 2s]
Reads Cyrus event notifications (JSON lines) on stdin and commits them to bonnie's queue.
Set it as notify_external in imapd.conf; it ignores notifyd's -c -p -u -m -f. Writes nothing to stdout.
`;
