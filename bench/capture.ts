/**
 * Benchmark: what event capture costs a real Cyrus IMAP 3.6. One IMAP client (alice, imapflow) APPENDs the
 * same N messages into one folder, one after the other (a migration, a bulk import), in three fresh labs:
 *   a. event notifications off                 (the baseline: Cyrus alone)
 *   b. notifyd + bin/bonnie-dealer              (one dealer process per event; notifyd waits for each)
 *   c. `bonnie dealer --listen`                 (one daemon bound to Cyrus' notify socket)
 * The APPEND loop is timed with process.hrtime; for b and c also the time until the catalog holds every
 * event ("until recorded": notifyd lags behind IMAP). Then nothing may be missing: exactly N MessageAppend
 * events with UIDs 1..N and N MailboxModseq for the folder, no quarantine, no spill file, no open gap in
 * `bonnie gaps`. A lost event makes the results untrustworthy: exit status 1.
 *
 * Target (the issue): messages/s of c >= 0.9 x messages/s of a, printed as PASS or MISS (never a failure).
 * Rounds run the modes in rotated order (abc, bca, cab...) so that drift does not favour one; medians.
 * The client sets TCP_NODELAY: with imapflow's default (Nagle on), about one APPEND in eight waits for
 * the server's delayed ACK (~40 ms), which adds seconds to every mode alike and hides what capture costs.
 * `--nagle` keeps that default.
 *
 * `--burst` measures LMTP bursts over 4 and 8 parallel connections instead (bench/lib/capture-burst.ts).
 *
 * Needs root, Cyrus (test/harness/install.sh, run first) and a build. Usage:
 *   node --import tsx bench/capture.ts [--messages N] [--rounds R] [--nagle] [--json]
 *   node --import tsx bench/capture.ts --burst [--deliveries N] [--notifyd-deliveries N] [--rounds R] [--lean] [--json]
 */
import {spawnSync} from 'node:child_process';
import {readFileSync} from 'node:fs';
import {availableParallelism, loadavg} from 'node:os';
import {join} from 'node:path';
import {setTimeout as sleep} from 'node:timers/promises';
import {lastEventId, readEvents, waitForEvents, type CapturedEvent} from '../test/harness/events.js';
import {imapClient} from '../test/harness/imap.js';
import {REPO, startLab, type Lab, type NotifyMode} from '../test/harness/lab.js';
import {startListener, type ListenerStopped, type RunningListener} from '../test/harness/listener.js';
import {testMessage} from '../test/harness/lmtp.js';
import {runCommand} from '../test/harness/process.js';
import {BURST_TARGET, burstVerdict, renderBurstTable, runBurstBench} from './lib/capture-burst.js';
import {random} from './lib/random.js';

/** The target: c's messages/s at least this fraction of a's. */
const TARGET_RATIO = 0.9;
const DEFAULT_MESSAGES = 2000;
const MIN_SOUND_MESSAGES = 2000;
const FOLDER = 'Bench';
/** Message sizes: 2 KiB to 20 KiB of text, most of them small (squared uniform). */
const MIN_MESSAGE_BYTES = 2 * 1024;
const MAX_MESSAGE_BYTES = 20 * 1024;
/** Before the timed loop, the lab's own setup events (the admin creating mailboxes) must have settled. */
const SETTLE_QUIET_MS = 1500;
/** How often the catalog's last id is read while events are still coming (cheap: no parsing). */
const RECORDED_POLL_MS = 50;
/** Events are declared lost once nothing new was stored for this long. */
const STALL_MS = 60 * 1000;
/** After the last expected event: nothing else may arrive during this long. */
const QUIET_MS = 2000;
/** Per message MailboxModseq + MessageAppend; per run alice's Login, MailboxCreate, MailboxSubscribe (imapflow subscribes), Logout. */
const eventsExpected = (messages: number) => 2 * messages + 4;

const MODES = [
  {key: 'a', notify: 'off', label: 'events off'},
  {key: 'b', notify: 'notifyd', label: 'notifyd + bin/bonnie-dealer'},
  {key: 'c', notify: 'listen', label: 'bonnie dealer --listen'},
] as const satisfies ReadonlyArray<{key: string; notify: NotifyMode; label: string}>;
type Mode = (typeof MODES)[number];

const DEFAULT_DELIVERIES = 1000;
const DEFAULT_NOTIFYD_DELIVERIES = 40;

const USAGE = `usage: node --import tsx bench/capture.ts [--messages N] [--rounds R] [--nagle] [--json]
       node --import tsx bench/capture.ts --burst [--deliveries N] [--notifyd-deliveries N] [--rounds R] [--lean] [--json]
APPEND throughput of a real Cyrus with events off, through notifyd + bin/bonnie-dealer, and through \`bonnie dealer --listen\`.
  --messages N  messages APPENDed per mode (default ${DEFAULT_MESSAGES}; the issue asks for at least ${MIN_SOUND_MESSAGES})
  --rounds R    run every mode R times, in rotated order, and report medians (default 1)
  --nagle       leave Nagle's algorithm on in the client (imapflow's default; see bench/README.md)
  --json        print one JSON object (type "benchmark", name "capture") instead of the table
  --burst       LMTP bursts over 4 and 8 connections: events off, dealer --listen (qlen as found and 512), notifyd
  --deliveries N          deliveries per burst (default ${DEFAULT_DELIVERIES})
  --lean                  also sinkLean and listenLean: event_extra_params without what bonnie does not read
  --notifyd-deliveries N  deliveries per notifyd burst (default ${DEFAULT_NOTIFYD_DELIVERIES}: notifyd is ~100x slower)
Needs root and \`npm run build\`. Exit status: 0 measured (PASS or MISS), 1 failed or an event was lost, 2 bad usage.
`;

class UsageError extends Error {}
class BenchError extends Error {}

interface Options {
  messages: number;
  rounds: number;
  nagle: boolean;
  json: boolean;
  burst: boolean;
  lean: boolean;
  deliveries: number;
  notifydDeliveries: number;
}

function parseArgs(argv: string[]): Options {
  const options: Options = {messages: DEFAULT_MESSAGES, rounds: 1, nagle: false, json: false, burst: false, lean: false, deliveries: DEFAULT_DELIVERIES, notifydDeliveries: DEFAULT_NOTIFYD_DELIVERIES};
  const count = (name: string, value: string | undefined) => {
    if (value === undefined || !/^\d+$/.test(value) || Number(value) < 1) throw new UsageError(`${name} needs a whole number of at least 1`);
    return Number(value);
  };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    const [name, inline] = arg.startsWith('--') && arg.includes('=') ? arg.split(/=(.*)/s, 2) : [arg, undefined];
    const value = () => inline ?? argv[++i];
    if (name === '--messages') options.messages = count(name, value());
    else if (name === '--rounds') options.rounds = count(name, value());
    else if (name === '--deliveries') options.deliveries = count(name, value());
    else if (name === '--notifyd-deliveries') options.notifydDeliveries = count(name, value());
    else if (name === '--json' || name === '--nagle' || name === '--burst' || name === '--lean') options[name.slice(2) as 'json' | 'nagle' | 'burst' | 'lean'] = true;
    else if (name === '--help' || name === '-h') {
      process.stdout.write(USAGE);
      process.exit(0);
    } else throw new UsageError(`unknown argument "${arg}"`);
  }
  return options;
}


const WORDS = ('the quarterly report budget meeting agenda invoice attached please review draft contract deadline project ' +
  'customer delivery schedule update minutes notes forecast team office travel expenses approval signed thanks regards ' +
  'question answer server backup archive migration mailbox folder policy retention legal hold audit').split(' ');

/** N plain-text messages of 2-20 KB, deterministic: the same bytes for every mode. */
function makeMessages(count: number): Buffer[] {
  const next = random(0x626f6e);
  const word = () => WORDS[Math.floor(next() * WORDS.length)] as string;
  const base = Date.UTC(2024, 0, 8, 9);
  return Array.from({length: count}, (_, i) => {
    const target = MIN_MESSAGE_BYTES + Math.floor(next() ** 2 * (MAX_MESSAGE_BYTES - MIN_MESSAGE_BYTES));
    const lines: string[] = [];
    for (let size = 300; size < target; size += (lines.at(-1)?.length ?? 0) + 2) lines.push(Array.from({length: 9}, word).join(' '));
    const subject = `${Array.from({length: 4}, word).join(' ')} (${i + 1})`;
    const message = testMessage({from: 'bob@lab.test', to: 'alice@lab.test', subject, messageId: `bench-capture-${i + 1}@lab.test`, body: lines.join('\r\n'), date: new Date(base + i * 7 * 60_000)});
    return Buffer.from(message);
  });
}

interface Sample {
  appendMs: number;
  /** From the start of the APPEND loop until the catalog held every event (b, c). */
  recordedMs: number | undefined;
  eventsStored: number | undefined;
  latencyMs: {p50: number; p99: number; max: number};
  listener?: ListenerStopped;
}

/** Stops what runs; also on SIGINT/SIGTERM, so that no Cyrus outlives the benchmark. */
const cleanups = new Set<() => Promise<unknown>>();
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => void Promise.allSettled([...cleanups].map((stop) => stop())).then(() => process.exit(130)));
}

async function runMode(mode: Mode, messages: Buffer[], nagle: boolean): Promise<Sample> {
  const lab: Lab = await startLab({notify: mode.notify});
  cleanups.add(lab.stop);
  let listener: RunningListener | undefined;
  try {
    if (mode.notify === 'listen') {
      listener = await startListener(lab);
      cleanups.add(listener.stop);
    }
    if (mode.notify !== 'off') await settle(lab);
    const after = mode.notify === 'off' ? 0 : lastEventId(lab);

    const client = await imapClient(lab, 'alice');
    // imapflow has no option for it: its socket is not in the typings.
    const socket = (client as unknown as {socket?: {setNoDelay?: (noDelay: boolean) => unknown}}).socket;
    if (socket?.setNoDelay === undefined) throw new BenchError('cannot reach imapflow\'s socket to set TCP_NODELAY (use --nagle)');
    socket.setNoDelay(!nagle);
    const latencies: number[] = [];
    let start: bigint;
    try {
      await client.mailboxCreate(FOLDER);
      start = process.hrtime.bigint();
      for (const [i, message] of messages.entries()) {
        const sent = process.hrtime.bigint();
        const appended = await client.append(FOLDER, message);
        latencies.push(msSince(sent));
        if (appended === false || appended.uid !== i + 1) throw new BenchError(`APPEND ${i + 1} answered UID ${appended === false ? 'none' : appended.uid}, expected ${i + 1}`);
      }
    } finally {
      await client.logout().catch(() => client.close());
    }
    const appendMs = msSince(start);
    const sorted = latencies.sort((x, y) => x - y);
    const latencyMs = {p50: round(percentile(sorted, 50)), p99: round(percentile(sorted, 99)), max: round(sorted.at(-1) ?? 0)};
    if (mode.notify === 'off') return {appendMs, recordedMs: undefined, eventsStored: undefined, latencyMs};

    const expected = eventsExpected(messages.length);
    const recordedMs = await waitRecorded(lab, after, expected, start);
    // SIGTERM: the listener reads what the kernel still queues and commits everything before it exits.
    const stopped = listener === undefined ? undefined : await listener.stop();
    if (listener !== undefined) cleanups.delete(listener.stop);
    listener = undefined;
    const problems: string[] = [];
    if (recordedMs === undefined) problems.push(`only ${lastEventId(lab) - after} of ${expected} events stored; nothing new for ${STALL_MS / 1000} s`);
    // Exactly these: nothing else may arrive during the quiet period.
    const events = recordedMs === undefined ? readEvents(lab, {after}) : await waitForEvents(lab, expected, {after, timeoutMs: STALL_MS, quietMs: QUIET_MS}).catch((error: Error) => {
      problems.push(error.message);
      return readEvents(lab, {after});
    });
    problems.push(...(await verify(lab, events, messages.length, stopped)));
    if (problems.length > 0) throw new BenchError(`mode ${mode.key} (${mode.label}) lost events, results untrustworthy:\n  ${problems.join('\n  ')}\n(dealer log: ${lab.dealerLog}; BONNIE_KEEP_LAB=1 keeps the lab)`);
    return {appendMs, recordedMs, eventsStored: events.length, latencyMs, ...(stopped ? {listener: stopped} : {})};
  } finally {
    if (listener !== undefined) await listener.stop().catch(() => undefined);
    await lab.stop();
    cleanups.delete(lab.stop);
  }
}

/** Waits until the catalog's last id has not moved for {@link SETTLE_QUIET_MS}. */
async function settle(lab: Lab): Promise<void> {
  let last = lastEventId(lab);
  for (let quietSince = Date.now(); Date.now() - quietSince < SETTLE_QUIET_MS; ) {
    await sleep(100);
    const id = lastEventId(lab);
    if (id !== last) [last, quietSince] = [id, Date.now()];
  }
}

/**
 * Polls max(id) (no parsing: the poll must not slow the dealer it measures) until `expected` events follow
 * `after`. Returns ms since `start`, or undefined once nothing new was stored for {@link STALL_MS}.
 */
async function waitRecorded(lab: Lab, after: number, expected: number, start: bigint): Promise<number | undefined> {
  let last = -1;
  for (let changed = Date.now(); ; await sleep(RECORDED_POLL_MS)) {
    const id = lastEventId(lab);
    if (id - after >= expected) return msSince(start);
    if (id !== last) [last, changed] = [id, Date.now()];
    else if (Date.now() - changed > STALL_MS) return undefined;
  }
}

/** What a user would check: every APPEND's events in the catalog, once; no quarantine, spill, gap or loss. */
async function verify(lab: Lab, events: CapturedEvent[], messages: number, stopped: ListenerStopped | undefined): Promise<string[]> {
  const problems: string[] = [];
  const folder = `user.alice.${FOLDER}`;
  const inFolder = (type: string) => events.filter((e) => e.type === type && e.event.mailbox?.name === folder);
  const uids = inFolder('MessageAppend').flatMap((e) => [...e.event.uids]);
  const missing = Array.from({length: messages}, (_, i) => i + 1).filter((uid) => !uids.includes(uid));
  if (uids.length !== messages || missing.length > 0) problems.push(`${uids.length} MessageAppend UIDs for ${folder}, expected 1..${messages}; missing: ${missing.slice(0, 20).join(' ') || 'none'}${missing.length > 20 ? ' ...' : ''}`);
  // MailboxModseq carries no counter of its own (FACTS.md specimens): count them.
  const modseqs = inFolder('MailboxModseq').length;
  if (modseqs !== messages) problems.push(`${modseqs} MailboxModseq events for ${folder}, expected ${messages}`);

  const cli = async <T>(...args: string[]): Promise<T> => {
    const result = await runCommand(process.execPath, [join(REPO, 'bin', 'run.js'), ...args, '--catalog', lab.catalog, '--json'], {env: {...process.env, BONNIE_CONFIG: '/dev/null'}});
    if (result.code !== 0) throw new BenchError(`bonnie ${args.join(' ')} exited ${result.code}: ${result.stderr}`);
    return JSON.parse(result.stdout) as T;
  };
  const status = await cli<{queue: {quarantined: number; duplicateDeliveries: number}; spill: {files: number}}>('status');
  if (status.queue.quarantined !== 0) problems.push(`${status.queue.quarantined} notification(s) quarantined`);
  if (status.queue.duplicateDeliveries !== 0) problems.push(`${status.queue.duplicateDeliveries} duplicate deliveries`);
  if (status.spill.files !== 0) problems.push(`${status.spill.files} spill file(s)`);
  const gaps = await cli<{gaps: Array<{mailboxName: string; kind: string; from: number; to: number}>}>('gaps');
  for (const gap of gaps.gaps) problems.push(`open gap: ${gap.mailboxName} ${gap.kind} ${gap.from}-${gap.to}`);
  if (stopped !== undefined && (stopped.lost !== 0 || stopped.spilled !== 0 || stopped.quarantined !== 0 || stopped.committed !== stopped.received)) {
    problems.push(`listener counters: ${JSON.stringify(stopped)}`);
  }
  return problems;
}

const msSince = (start: bigint) => Number(process.hrtime.bigint() - start) / 1e6;
const round = (value: number, digits = 2) => Math.round(value * 10 ** digits) / 10 ** digits;
/** Nearest rank. */
const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] ?? 0;
const median = (values: number[]) => {
  const sorted = [...values].sort((x, y) => x - y);
  return (percentile(sorted, 50) + (sorted[sorted.length >> 1] ?? 0)) / 2;
};

function summarize(mode: Mode, samples: Sample[], messages: number, baselineMs: number) {
  const appendMs = median(samples.map((s) => s.appendMs));
  const recorded = samples.map((s) => s.recordedMs).filter((ms): ms is number => ms !== undefined);
  return {
    key: mode.key,
    label: mode.label,
    notify: mode.notify,
    appendSeconds: round(appendMs / 1000, 3),
    messagesPerSecond: round(messages / (appendMs / 1000), 1),
    ratioToA: round(baselineMs / appendMs, 3),
    untilRecordedSeconds: recorded.length > 0 ? round(median(recorded) / 1000, 3) : null,
    eventsStored: samples[0]?.eventsStored ?? null,
    appendLatencyMs: {p50: median(samples.map((s) => s.latencyMs.p50)), p99: median(samples.map((s) => s.latencyMs.p99)), max: Math.max(...samples.map((s) => s.latencyMs.max))},
    samples: samples.map((s) => ({appendSeconds: round(s.appendMs / 1000, 3), untilRecordedSeconds: s.recordedMs === undefined ? null : round(s.recordedMs / 1000, 3), latencyMs: s.latencyMs, ...(s.listener ? {listener: s.listener} : {})})),
  };
}
type ModeResult = ReturnType<typeof summarize>;

function renderTable(result: {messages: number; messageBytes: number; rounds: number; tcpNoDelay: boolean; maxDgramQlen: number | null; cyrus: string; loadAverage: number[]; modes: ModeResult[]; target: {ratio: number; result: string}; ratios: {bOverA: number}}): string {
  const header = ['mode', 'APPEND s', 'msgs/s', 'vs a', 'p50 ms', 'p99 ms', 'max ms', 'until recorded s', 'events stored'];
  const rows = result.modes.map((m) => [`${m.key}. ${m.label}`, m.appendSeconds.toFixed(2), m.messagesPerSecond.toFixed(1), m.ratioToA.toFixed(3), m.appendLatencyMs.p50.toFixed(1), m.appendLatencyMs.p99.toFixed(1), m.appendLatencyMs.max.toFixed(0), m.untilRecordedSeconds?.toFixed(2) ?? '-', String(m.eventsStored ?? '-')]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] as string).length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i] as number) : c.padStart(widths[i] as number))).join('  ');
  return [
    `bench/capture: ${result.messages} messages (${(result.messageBytes / 1048576).toFixed(1)} MiB) APPENDed one by one by one client (TCP_NODELAY ${result.tcpNoDelay ? 'on' : 'off'}); ${result.rounds} round(s), medians; Cyrus ${result.cyrus}, net.unix.max_dgram_qlen ${result.maxDgramQlen ?? '?'}`,
    line(header),
    ...rows.map(line),
    'APPEND p50/p99/max: latency of one APPEND; until recorded: from the loop\'s start until the catalog held every event; every event verified.',
    `load average (1 min) at start and end: ${result.loadAverage.join(' / ')} on ${availableParallelism()} CPUs: other work on the machine skews every figure`,
    `b/a = ${result.ratios.bOverA.toFixed(3)}`,
    `c/a >= ${TARGET_RATIO}: ${result.target.result} (c/a = ${result.target.ratio.toFixed(3)})`,
    '',
  ].join('\n');
}

async function main(argv: string[]): Promise<number> {
  let options: Options;
  try {
    options = parseArgs(argv);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    process.stderr.write(`bench/capture: ${error.message}\n${USAGE}`);
    return 2;
  }
  if (process.getuid?.() !== 0) {
    process.stderr.write('bench/capture: needs root (it installs Cyrus if missing and starts cyrmaster as root)\n');
    return 1;
  }
  if (options.burst) return burst(options);
  if (options.messages < MIN_SOUND_MESSAGES) process.stderr.write(`warning: ${options.messages} messages is below the issue's ${MIN_SOUND_MESSAGES}\n`);
  // Installs Cyrus if missing, as the live tests' global setup does; its output must not reach stdout.
  const installed = spawnSync('bash', [join(REPO, 'test', 'harness', 'install.sh')], {stdio: ['ignore', 2, 2]});
  if (installed.status !== 0) {
    process.stderr.write(`bench/capture: test/harness/install.sh failed (exit ${installed.status ?? installed.signal})\n`);
    return 1;
  }

  const messages = makeMessages(options.messages);
  const loadAtStart = round(loadavg()[0] ?? 0);
  const samples = new Map<Mode['key'], Sample[]>(MODES.map((m) => [m.key, []]));
  const progress = process.stderr.isTTY && !options.json;
  try {
    for (let r = 0; r < options.rounds; r++) {
      for (let i = 0; i < MODES.length; i++) {
        const mode = MODES[(r + i) % MODES.length] as Mode;
        if (progress) process.stderr.write(`round ${r + 1}/${options.rounds}: ${mode.key}. ${mode.label} ...`);
        const sample = await runMode(mode, messages, options.nagle);
        samples.get(mode.key)?.push(sample);
        if (progress) process.stderr.write(` ${(sample.appendMs / 1000).toFixed(1)} s\n`);
      }
    }
  } catch (error) {
    if (!(error instanceof BenchError)) throw error;
    process.stderr.write(`\nbench/capture: ${error.message}\n`);
    return 1;
  }

  const baselineMs = median((samples.get('a') ?? []).map((s) => s.appendMs));
  const modes = MODES.map((m) => summarize(m, samples.get(m.key) ?? [], options.messages, baselineMs));
  const [, b, c] = modes as [ModeResult, ModeResult, ModeResult];
  const qlen = Number.parseInt(readFileSync('/proc/sys/net/unix/max_dgram_qlen', 'utf8'), 10);
  const cyrus = spawnSync('dpkg-query', ['-W', '-f', '${Version}', 'cyrus-imapd'], {encoding: 'utf8'}).stdout || 'unknown';
  const result = {
    type: 'benchmark',
    name: 'capture',
    node: process.version,
    cpus: availableParallelism(),
    cyrus,
    maxDgramQlen: Number.isNaN(qlen) ? null : qlen,
    messages: options.messages,
    messageBytes: messages.reduce((sum, m) => sum + m.length, 0),
    rounds: options.rounds,
    loadAverage: [loadAtStart, round(loadavg()[0] ?? 0)],
    tcpNoDelay: !options.nagle,
    modes,
    ratios: {bOverA: b.ratioToA, cOverA: c.ratioToA},
    target: {variant: 'c', minRatio: TARGET_RATIO, ratio: c.ratioToA, result: c.ratioToA >= TARGET_RATIO ? 'PASS' : 'MISS'},
    verified: true,
  };
  process.stdout.write(options.json ? `${JSON.stringify(result)}\n` : renderTable(result));
  return 0;
}

async function burst(options: Options): Promise<number> {
  const loadAtStart = round(loadavg()[0] ?? 0);
  const qlen = readFileSync('/proc/sys/net/unix/max_dgram_qlen', 'utf8').trim();
  const progress = !options.json ? (line: string) => process.stderr.write(`${line}\n`) : undefined;
  let rows;
  try {
    ({rows} = await runBurstBench({deliveries: options.deliveries, notifydDeliveries: options.notifydDeliveries, rounds: options.rounds, lean: options.lean}, cleanups, progress));
  } catch (error) {
    process.stderr.write(`\nbench/capture --burst: ${(error as Error).message}\n`);
    return 1;
  }
  const loadAverage = [loadAtStart, round(loadavg()[0] ?? 0)];
  const verdict = burstVerdict(rows);
  if (options.json) {
    process.stdout.write(`${JSON.stringify({type: 'benchmark', name: 'capture-burst', node: process.version, cpus: availableParallelism(), maxDgramQlen: Number(qlen), rounds: options.rounds, loadAverage, rows, target: {...BURST_TARGET, result: verdict}, verified: true})}\n`);
  } else {
    process.stdout.write([
      `bench/capture --burst: LMTP deliveries over parallel connections (one kept open each), ${options.rounds} round(s), medians; net.unix.max_dgram_qlen ${qlen} (512 only while the socket is created)`,
      renderBurstTable(rows),
      'lag: last delivery answered -> last event stored (catalog polled every 10 ms); CPU: the daemon\'s utime+stime per event; every MessageNew verified once.',
      `load average (1 min) at start and end: ${loadAverage.join(' / ')} on ${availableParallelism()} CPUs`,
      verdict,
      '',
    ].join('\n'));
  }
  return 0;
}

process.exitCode = await main(process.argv.slice(2));
