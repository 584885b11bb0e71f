/**
 * Benchmark: `bonnie restore` of one large folder into a real Cyrus IMAP 3.6, against what imapflow alone
 * does with the same messages. A lab user's folder is filled with N realistic messages (default 5,000:
 * 2-200 KB, some with base64 attachments, flags, internal dates; bench/lib/restore-corpus.ts), archived with
 * `bonnie archive --from spool` into a fresh catalog and archive, then, in rotated rounds (abc, bca, cab):
 *   a. `bonnie restore --mailbox <it> --into <a fresh folder> --json`: the built CLI as a child process,
 *      timed whole (node and oclif start-up, state computation, archive reads, IMAP);
 *   b. one imapflow connection (the same options, TCP_NODELAY, admin acting as the same user) APPENDing the
 *      same N messages (bytes from memory, the same flags and internal dates) into a fresh folder, one
 *      APPEND after the other: the issue's baseline;
 *   c. the same connection sending them as restore does, MULTIAPPEND (RFC 3502) batches of
 *      {@link MULTIAPPEND_BATCH}: what the protocol allows, so a/c is what bonnie itself costs.
 * After each run its folder must hold exactly the N messages, in order, with their flags, internal dates
 * and sizes (and for a, their bytes): a restore that silently restores nothing would make the figures
 * meaningless (exit 1). Then a re-run of the last restore must append nothing (idempotence).
 *
 * Target (the issue): messages/s of a >= 0.8 x messages/s of b, median of the rounds' ratios, printed as
 * PASS or MISS (never a failure). `--profile` adds one restore under `node --cpu-prof`, summarised.
 *
 * Needs root, Cyrus (test/harness/install.sh, run first) and a build. Usage:
 *   node --import tsx bench/restore.ts [--messages N] [--rounds R] [--profile] [--keep] [--json]
 */
import {spawn, spawnSync} from 'node:child_process';
import {createHash} from 'node:crypto';
import {mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync} from 'node:fs';
import {availableParallelism, loadavg, tmpdir} from 'node:os';
import {join} from 'node:path';
import {ImapFlow} from 'imapflow';
import {encodePath, formatDateTime, normalizePath} from 'imapflow/lib/tools.js';
import {imapClient} from '../test/harness/imap.js';
import {REPO, startLab, type Lab} from '../test/harness/lab.js';
import {summarizeProfile, type ProfileSummary} from './lib/cpu-profile.js';
import {makeCorpus, type CorpusMessage} from './lib/restore-corpus.js';

/** The issue's target: restore's messages/s at least this fraction of the bare APPEND loop's. */
const TARGET_RATIO = 0.8;
const DEFAULT_MESSAGES = 5000;
const DEFAULT_ROUNDS = 3;
const USER = 'alice';
const SOURCE = 'Bench';
/** Messages per MULTIAPPEND in c: src/lib/out/restore/imap-restore.ts' APPEND_BATCH_MESSAGES. */
const MULTIAPPEND_BATCH = 100;
/** USER_HZ: the unit of utime, stime, cutime and cstime in /proc/<pid>/stat. */
const CLOCK_TICKS_PER_SECOND = 100;

const USAGE = `usage: node --import tsx bench/restore.ts [--messages N] [--rounds R] [--profile] [--keep] [--json]
\`bonnie restore\` of one folder into a real Cyrus against bare imapflow APPEND loops of the same messages.
  --messages N  messages in the folder (default ${DEFAULT_MESSAGES})
  --rounds R    rounds of each variant, rotated (abc, bca, cab...), medians (default ${DEFAULT_ROUNDS})
  --profile     also run one restore under node --cpu-prof and summarise where its time goes
  --keep        keep the working folder (catalog, archive, profile) and the lab
  --json        print one JSON object (type "benchmark", name "restore") instead of the table
Needs root and \`npm run build\`. Exit status: 0 measured (PASS or MISS), 1 failed or a restore was wrong, 2 bad usage.
`;

class UsageError extends Error {}
class BenchError extends Error {}

interface Options {
  messages: number;
  rounds: number;
  profile: boolean;
  keep: boolean;
  json: boolean;
}

function parseArgs(argv: string[]): Options {
  const options: Options = {messages: DEFAULT_MESSAGES, rounds: DEFAULT_ROUNDS, profile: false, keep: false, json: false};
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
    else if (name === '--profile' || name === '--keep' || name === '--json') options[name.slice(2) as 'profile' | 'keep' | 'json'] = true;
    else if (name === '--help' || name === '-h') {
      process.stdout.write(USAGE);
      process.exit(0);
    } else throw new UsageError(`unknown argument "${arg}"`);
  }
  return options;
}

/** What one timed run did. */
interface Sample {
  kind: Variant['key'];
  round: number;
  folder: string;
  wallMs: number;
  /** User + system CPU of the restore child, or of this process during the bare loop. */
  cpuSeconds: number;
  /** User + system CPU of Cyrus (cyrmaster and its imapd processes) meanwhile. */
  serverCpuSeconds: number;
  /** Restore only: restoreFolders' own time (its JSON `elapsedMs`); the rest is start-up, state computation and exit. */
  libraryMs?: number;
  loadAverage: number;
}

const VARIANTS = [
  {key: 'a', label: 'bonnie restore (CLI, whole)', folder: 'Restored'},
  {key: 'b', label: 'imapflow APPEND loop', folder: 'Bare'},
  {key: 'c', label: `imapflow MULTIAPPEND x ${MULTIAPPEND_BATCH}`, folder: 'Multi'},
] as const;
type Variant = (typeof VARIANTS)[number];

interface Bench {
  lab: Lab;
  dir: string;
  env: NodeJS.ProcessEnv;
  corpus: CorpusMessage[];
  passwordFile: string;
}

// ---------------------------------------------------------------------------------------------------------
// Set-up: the source folder, filled over IMAP and archived.

/** APPENDs the corpus into INBOX.<SOURCE> as the user, one by one (untimed). */
async function fill(bench: Bench): Promise<void> {
  const client = await imapClient(bench.lab, USER);
  noDelay(client);
  try {
    await client.mailboxCreate(`INBOX.${SOURCE}`);
    for (const [i, m] of bench.corpus.entries()) {
      const appended = await client.append(`INBOX.${SOURCE}`, m.bytes, m.flags, m.internalDate);
      if (appended === false || appended.uid !== i + 1) throw new BenchError(`filling: APPEND ${i + 1} answered UID ${appended === false ? 'none' : appended.uid}`);
    }
  } finally {
    await client.logout().catch(() => client.close());
  }
}

/** `bonnie <args> --json` (the built CLI) with the bench's environment; it must exit 0. */
async function bonnie<T>(bench: Bench, args: string[], nodeArgs: string[] = []): Promise<{result: T; wallMs: number; cpuSeconds: number}> {
  const cpuBefore = childrenCpuSeconds();
  const start = process.hrtime.bigint();
  const child = spawn(process.execPath, [...nodeArgs, join(REPO, 'bin', 'run.js'), ...args, '--json'], {cwd: bench.dir, env: bench.env, stdio: ['ignore', 'pipe', 'pipe']});
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  child.stdout.on('data', (d: Buffer) => out.push(d));
  child.stderr.on('data', (d: Buffer) => err.push(d));
  const [code, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (c, s) => resolve([c, s]));
  });
  const wallMs = msSince(start);
  if (code !== 0) throw new BenchError(`bonnie ${args.join(' ')} failed (${signal ?? `exit status ${code}`}):\n${Buffer.concat(err).toString()}${Buffer.concat(out).toString()}`);
  return {result: JSON.parse(Buffer.concat(out).toString()) as T, wallMs, cpuSeconds: childrenCpuSeconds() - cpuBefore};
}

interface ArchiveJson {
  read: number;
  snapshots: number;
  unrecoverable: number;
}

interface RestoreJson {
  appended: number;
  alreadyThere: number;
  missing: number;
  bytes: number;
  elapsedMs: number;
  folders: Array<{destination: string; created: boolean}>;
}

// ---------------------------------------------------------------------------------------------------------
// The variants.

/** a. The built CLI restoring the source folder into user.<USER>.<folder>. */
async function runRestore(bench: Bench, round: number, folder: string, nodeArgs: string[] = []): Promise<Sample> {
  const serverBefore = serverCpuSeconds(bench.lab);
  const {result, wallMs, cpuSeconds} = await bonnie<RestoreJson>(bench, ['restore', '--mailbox', `user.${USER}.${SOURCE}`, '--into', `user.${USER}.${folder}`], nodeArgs);
  const n = bench.corpus.length;
  if (result.appended !== n || result.alreadyThere !== 0 || result.missing !== 0 || result.folders[0]?.created !== true) {
    throw new BenchError(`restore into ${folder}: appended ${result.appended}, already there ${result.alreadyThere}, missing ${result.missing}, created ${result.folders[0]?.created}; expected ${n} appended into a new folder`);
  }
  return {kind: 'a', round, folder, wallMs, cpuSeconds, serverCpuSeconds: serverCpuSeconds(bench.lab) - serverBefore, libraryMs: result.elapsedMs, loadAverage: load()};
}

/**
 * b and c. What imapflow alone does: the connection bonnie opens (connectImap's options: admin acting as the
 * user, TCP_NODELAY), CREATE, the messages (b: one APPEND after the other; c: MULTIAPPEND batches), LOGOUT.
 * Timed from before the connection to after LOGOUT.
 */
async function runBare(bench: Bench, kind: 'b' | 'c', round: number, folder: string): Promise<Sample> {
  const serverBefore = serverCpuSeconds(bench.lab);
  const cpuBefore = process.cpuUsage();
  const start = process.hrtime.bigint();
  const client = new ImapFlow({
    host: bench.lab.imap.host,
    port: bench.lab.imap.port,
    secure: false,
    auth: {user: bench.lab.admin.user, pass: bench.lab.admin.password, authzid: USER},
    logger: false,
    disableAutoIdle: true,
    tls: {rejectUnauthorized: false},
  });
  client.on('error', () => undefined);
  await client.connect();
  noDelay(client);
  const path = `INBOX.${folder}`;
  try {
    await client.mailboxCreate(path);
    if (kind === 'b') {
      for (const [i, m] of bench.corpus.entries()) {
        const appended = await client.append(path, m.bytes, m.flags, m.internalDate);
        if (appended === false || appended.uid !== i + 1) throw new BenchError(`bare loop: APPEND ${i + 1} answered UID ${appended === false ? 'none' : appended.uid}`);
      }
    } else {
      // As imap-restore.ts' appendBatch: imapflow's command runner, which its typings leave out.
      const exec = (client as unknown as {exec(command: string, attributes: unknown[]): Promise<{next(): void}>}).exec.bind(client);
      const box = {type: 'ATOM', value: encodePath(client, normalizePath(client, path))};
      for (let i = 0; i < bench.corpus.length; i += MULTIAPPEND_BATCH) {
        const batch = bench.corpus.slice(i, i + MULTIAPPEND_BATCH);
        const response = await exec('APPEND', [box, ...batch.flatMap((m) => [m.flags.map((flag) => ({type: 'ATOM', value: flag})), {type: 'STRING', value: formatDateTime(m.internalDate)}, {type: 'LITERAL', value: m.bytes}])]);
        response.next();
      }
    }
  } finally {
    await client.logout().catch(() => client.close());
  }
  const wallMs = msSince(start);
  const cpu = process.cpuUsage(cpuBefore);
  return {kind, round, folder, wallMs, cpuSeconds: (cpu.user + cpu.system) / 1e6, serverCpuSeconds: serverCpuSeconds(bench.lab) - serverBefore, loadAverage: load()};
}

// ---------------------------------------------------------------------------------------------------------
// Checks.

/**
 * What a user would check: INBOX.<folder> holds exactly the corpus, in UID order, with its flags, internal
 * dates and sizes; with `bytes`, the SHA-256 of every message too. Returns the problems.
 */
async function verifyFolder(bench: Bench, folder: string, bytes: boolean): Promise<string[]> {
  const client = await imapClient(bench.lab, USER);
  noDelay(client);
  const problems: string[] = [];
  try {
    const status = await client.status(`INBOX.${folder}`, {messages: true});
    const count = status === false ? undefined : status.messages;
    if (count !== bench.corpus.length) problems.push(`INBOX.${folder} holds ${count ?? 'no'} messages, expected ${bench.corpus.length}`);
    const lock = await client.getMailboxLock(`INBOX.${folder}`, {readOnly: true});
    try {
      const seen: Array<{uid: number; flags: string[]; date: number; size: number; sha?: string}> = [];
      for await (const m of client.fetch('1:*', {uid: true, flags: true, internalDate: true, size: true, ...(bytes ? {source: true} : {})})) {
        seen.push({
          uid: m.uid,
          flags: [...(m.flags ?? [])].filter((f) => f !== '\\Recent').sort(),
          date: new Date(m.internalDate ?? 0).getTime(),
          size: m.size ?? -1,
          ...(bytes && m.source !== undefined ? {sha: sha256(m.source)} : {}),
        });
      }
      seen.sort((x, y) => x.uid - y.uid);
      let wrong = 0;
      for (const [i, expected] of bench.corpus.entries()) {
        const got = seen[i];
        const why =
          got === undefined
            ? 'missing'
            : got.size !== expected.bytes.length
              ? `size ${got.size}, expected ${expected.bytes.length}`
              : got.date !== expected.internalDate.getTime()
                ? `internal date ${new Date(got.date).toISOString()}, expected ${expected.internalDate.toISOString()}`
                : got.flags.join(' ') !== [...expected.flags].sort().join(' ')
                  ? `flags ${got.flags.join(' ')}, expected ${[...expected.flags].sort().join(' ')}`
                  : bytes && got.sha !== sha256(expected.bytes)
                    ? 'different bytes'
                    : undefined;
        if (why !== undefined && wrong++ < 5) problems.push(`INBOX.${folder} message ${i + 1} (UID ${got?.uid ?? '-'}): ${why}`);
      }
      if (wrong > 5) problems.push(`... ${wrong} messages wrong in all`);
    } finally {
      lock.release();
    }
  } finally {
    await client.logout().catch(() => client.close());
  }
  return problems;
}

async function deleteFolder(bench: Bench, folder: string): Promise<void> {
  const client = await imapClient(bench.lab, USER);
  try {
    await client.mailboxDelete(`INBOX.${folder}`);
  } finally {
    await client.logout().catch(() => client.close());
  }
}

// ---------------------------------------------------------------------------------------------------------
// Helpers.

/** imapflow has no option for TCP_NODELAY: its socket is not in the typings (as src/lib/sources/imap/connect.ts). */
function noDelay(client: ImapFlow): void {
  const socket = (client as unknown as {socket?: {setNoDelay?: (noDelay: boolean) => unknown}}).socket;
  if (socket?.setNoDelay === undefined) throw new BenchError('cannot reach imapflow\'s socket to set TCP_NODELAY');
  socket.setNoDelay(true);
}

/** Fields 3 (state) onwards of /proc/<pid>/stat, or undefined once the process is gone. */
function procStat(pid: number | 'self'): string[] | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  } catch {
    return undefined;
  }
}

/** cutime + cstime of this process: the CPU of its children once they have been waited for. */
function childrenCpuSeconds(): number {
  const fields = procStat('self') ?? [];
  // Fields 16 and 17 (cutime, cstime), counted from 3.
  return (Number(fields[13]) + Number(fields[14])) / CLOCK_TICKS_PER_SECOND;
}

/**
 * CPU used so far by the lab's Cyrus: cyrmaster's own and its reaped children's (utime, stime, cutime,
 * cstime), plus each running child's (imapd processes are forked once and reused). Wall time depends on
 * what else the machine runs; this does much less.
 */
function serverCpuSeconds(lab: Lab): number {
  let ticks = 0;
  const master = procStat(lab.masterPid);
  if (master !== undefined) ticks += Number(master[11]) + Number(master[12]) + Number(master[13]) + Number(master[14]);
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const fields = procStat(Number(entry));
    // Field 4 is the parent's pid.
    if (fields !== undefined && Number(fields[1]) === lab.masterPid) ticks += Number(fields[11]) + Number(fields[12]);
  }
  return ticks / CLOCK_TICKS_PER_SECOND;
}

const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');
const msSince = (start: bigint) => Number(process.hrtime.bigint() - start) / 1e6;
const round = (value: number, digits = 2) => Math.round(value * 10 ** digits) / 10 ** digits;
const load = () => round(loadavg()[0] ?? 0);
const median = (values: number[]) => {
  const sorted = [...values].sort((x, y) => x - y);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
};

/** Stops what runs; also on SIGINT/SIGTERM, so that no Cyrus outlives the benchmark. */
const cleanups = new Set<() => Promise<unknown>>();
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => void Promise.allSettled([...cleanups].map((stop) => stop())).then(() => process.exit(130)));
}

// ---------------------------------------------------------------------------------------------------------
// Output.

function summarize(samples: Sample[], messages: number, megabytes: number) {
  const seconds = median(samples.map((s) => s.wallMs)) / 1000;
  return {
    seconds: round(seconds, 3),
    messagesPerSecond: round(messages / seconds, 1),
    megabytesPerSecond: round(megabytes / seconds, 2),
    cpuSeconds: round(median(samples.map((s) => s.cpuSeconds)), 2),
    serverCpuSeconds: round(median(samples.map((s) => s.serverCpuSeconds)), 2),
    samples: samples.map((s) => ({
      round: s.round,
      folder: s.folder,
      seconds: round(s.wallMs / 1000, 3),
      cpuSeconds: round(s.cpuSeconds, 2),
      serverCpuSeconds: round(s.serverCpuSeconds, 2),
      ...(s.libraryMs === undefined ? {} : {librarySeconds: round(s.libraryMs / 1000, 3), outsideSeconds: round((s.wallMs - s.libraryMs) / 1000, 3)}),
      loadAverage: s.loadAverage,
    })),
  };
}
type VariantResult = ReturnType<typeof summarize>;

interface Result {
  type: 'benchmark';
  name: 'restore';
  node: string;
  cpus: number;
  cyrus: string;
  messages: number;
  megabytes: number;
  corpus: {minBytes: number; medianBytes: number; maxBytes: number; withAttachment: number; withoutMessageId: number};
  rounds: number;
  loadAverage: number[];
  setup: {fillSeconds: number; archiveSeconds: number; cliStartSeconds: number};
  variants: Array<VariantResult & {key: Variant['key']; label: string}>;
  /** Per round, paired (they ran next to each other): a's messages/s over b's (= b's time / a's), and over c's. */
  ratios: {aOverB: number[]; aOverC: number[]};
  rerun: {seconds: number; appended: number; alreadyThere: number};
  target: {minRatio: number; ratio: number; ratioOfMedians: number; result: 'PASS' | 'MISS'};
  profile?: ProfileSummary & {wallSeconds: number};
  verified: true;
}

function renderTable(r: Result): string {
  const row = (label: string, v: VariantResult) => [label, v.seconds.toFixed(2), v.messagesPerSecond.toFixed(1), v.megabytesPerSecond.toFixed(2), v.cpuSeconds.toFixed(2), v.serverCpuSeconds.toFixed(2), v.samples.map((s) => s.seconds.toFixed(1)).join(' ')];
  const header = ['variant', 'wall s', 'msgs/s', 'MB/s', 'client CPU s', 'Cyrus CPU s', 'rounds (s)'];
  const rows = r.variants.map((v) => row(`${v.key}. ${v.label}`, v));
  const [a] = r.variants;
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((cells) => (cells[i] as string).length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i] as number) : c.padStart(widths[i] as number))).join('  ');
  const lines = [
    `bench/restore: ${r.messages} messages, ${r.megabytes.toFixed(1)} MB (${(r.corpus.minBytes / 1024).toFixed(1)}-${(r.corpus.maxBytes / 1024).toFixed(0)} KB, median ${(r.corpus.medianBytes / 1024).toFixed(1)} KB, ${r.corpus.withAttachment} with an attachment); ${r.rounds} round(s) rotated, medians; Cyrus ${r.cyrus}, node ${r.node}`,
    `set-up: filled in ${r.setup.fillSeconds.toFixed(1)} s, archived (bonnie archive --from spool) in ${r.setup.archiveSeconds.toFixed(1)} s; CLI start-up (bonnie --version) ${r.setup.cliStartSeconds.toFixed(2)} s`,
    line(header),
    ...rows.map(line),
    `a: restoreFolders ${a?.samples.map((s) => s.librarySeconds?.toFixed(2)).join(' ')} s; start-up, state computation and exit ${a?.samples.map((s) => s.outsideSeconds?.toFixed(2)).join(' ')} s`,
    `re-run into the last restored folder: ${r.rerun.appended} appended, ${r.rerun.alreadyThere} already there, in ${r.rerun.seconds.toFixed(2)} s`,
    'every folder verified: count, order, flags, internal dates and sizes; a\'s also byte for byte',
    `load average (1 min) at start and end: ${r.loadAverage.join(' / ')} on ${r.cpus} CPUs; after each run: ${r.variants.map((v) => `${v.key} ${v.samples.map((s) => s.loadAverage).join(' ')}`).join(', ')}`,
    `a/c per round: ${r.ratios.aOverC.map((x) => x.toFixed(3)).join(' ')} (what bonnie costs over the same protocol)`,
    `a/b per round: ${r.ratios.aOverB.map((x) => x.toFixed(3)).join(' ')}; ratio of the medians ${r.target.ratioOfMedians.toFixed(3)}`,
    `a/b >= ${TARGET_RATIO}: ${r.target.result} (median a/b = ${r.target.ratio.toFixed(3)})`,
  ];
  if (r.profile !== undefined) {
    const p = r.profile;
    lines.push('', `profile of one restore (node --cpu-prof, wall ${p.wallSeconds.toFixed(2)} s, ${p.totalMs.toFixed(0)} ms sampled): self time by place`);
    for (const {place, ms} of p.byPlace) lines.push(`  ${ms.toFixed(0).padStart(7)} ms  ${(100 * ms / p.totalMs).toFixed(1).padStart(5)}%  ${place}`);
    lines.push('  by function:');
    for (const {fn, ms} of p.byFunction) lines.push(`  ${ms.toFixed(0).padStart(7)} ms  ${(100 * ms / p.totalMs).toFixed(1).padStart(5)}%  ${fn}`);
  }
  return `${lines.join('\n')}\n`;
}

// ---------------------------------------------------------------------------------------------------------

async function main(argv: string[]): Promise<number> {
  let options: Options;
  try {
    options = parseArgs(argv);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    process.stderr.write(`bench/restore: ${error.message}\n${USAGE}`);
    return 2;
  }
  if (process.getuid?.() !== 0) {
    process.stderr.write('bench/restore: needs root (it installs Cyrus if missing and starts cyrmaster as root)\n');
    return 1;
  }
  const installed = spawnSync('bash', [join(REPO, 'test', 'harness', 'install.sh')], {stdio: ['ignore', 2, 2]});
  if (installed.status !== 0) {
    process.stderr.write(`bench/restore: test/harness/install.sh failed (exit ${installed.status ?? installed.signal})\n`);
    return 1;
  }
  const log = (message: string) => process.stderr.write(`${message}\n`);

  const loadAtStart = load();
  const corpus = makeCorpus(options.messages);
  const totalBytes = corpus.reduce((sum, m) => sum + m.bytes.length, 0);
  const megabytes = totalBytes / 1e6;
  const sizes = corpus.map((m) => m.bytes.length).sort((x, y) => x - y);

  const dir = mkdtempSync(join(tmpdir(), 'bonnie-bench-restore-'));
  if (options.keep) process.env.BONNIE_KEEP_LAB = '1';
  const lab = await startLab({notify: 'off'});
  cleanups.add(lab.stop);
  try {
    const passwordFile = join(dir, 'imap.password');
    writeFileSync(passwordFile, `${lab.admin.password}\n`, {mode: 0o600});
    // What an administrator's environment holds, nothing of this process' (no tsx, no NODE_OPTIONS).
    const env: NodeJS.ProcessEnv = {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      BONNIE_CONFIG: '/dev/null',
      BONNIE_CATALOG: join(dir, 'catalog.db'),
      BONNIE_ARCHIVE: join(dir, 'archive'),
      BONNIE_SPOOL: join(lab.dir, 'var', 'spool', 'mail'),
      BONNIE_IMAP_URL: `imap://${lab.imap.host}:${lab.imap.port}`,
      BONNIE_IMAP_USER: lab.admin.user,
      BONNIE_IMAP_PASSWORD_FILE: passwordFile,
    };
    const bench: Bench = {lab, dir, env, corpus, passwordFile};

    log(`filling INBOX.${SOURCE} of ${USER} with ${corpus.length} messages (${megabytes.toFixed(1)} MB) ...`);
    let start = process.hrtime.bigint();
    await fill(bench);
    const fillSeconds = msSince(start) / 1000;
    const sourceProblems = await verifyFolder(bench, SOURCE, true);
    if (sourceProblems.length > 0) throw new BenchError(`the source folder is not the corpus:\n  ${sourceProblems.join('\n  ')}`);

    await bonnie(bench, ['init']); // only init creates a catalog
    log(`bonnie archive --mailbox user.${USER}.${SOURCE} --from spool ...`);
    start = process.hrtime.bigint();
    const archived = await bonnie<ArchiveJson>(bench, ['archive', '--mailbox', `user.${USER}.${SOURCE}`, '--from', 'spool']);
    const archiveSeconds = msSince(start) / 1000;
    if (archived.result.read !== corpus.length || archived.result.snapshots !== 1 || archived.result.unrecoverable !== 0) {
      throw new BenchError(`bonnie archive read ${archived.result.read} messages, ${archived.result.snapshots} snapshot(s), ${archived.result.unrecoverable} unrecoverable; expected ${corpus.length}, 1, 0`);
    }
    const starts: number[] = [];
    for (let i = 0; i < 3; i++) {
      const cliStart = process.hrtime.bigint();
      const ran = spawnSync(process.execPath, [join(REPO, 'bin', 'run.js'), '--version'], {env, stdio: 'ignore'});
      if (ran.status !== 0) throw new BenchError('bonnie --version failed');
      starts.push(msSince(cliStart));
    }

    const samples: Sample[] = [];
    for (let r = 1; r <= options.rounds; r++) {
      // Rotated (abc, bca, cab): drift on the machine does not favour one variant.
      for (let i = 0; i < VARIANTS.length; i++) {
        const variant = VARIANTS[(r - 1 + i) % VARIANTS.length] as Variant;
        const folder = `${variant.folder}${r}`;
        process.stderr.write(`round ${r}/${options.rounds}: ${variant.key}. ${variant.label} into INBOX.${folder} ...`);
        const sample = variant.key === 'a' ? await runRestore(bench, r, folder) : await runBare(bench, variant.key, r, folder);
        samples.push(sample);
        log(` ${(sample.wallMs / 1000).toFixed(1)} s, client CPU ${sample.cpuSeconds.toFixed(2)} s, Cyrus CPU ${sample.serverCpuSeconds.toFixed(2)} s (load ${sample.loadAverage})`);
        const problems = await verifyFolder(bench, folder, variant.key === 'a');
        if (problems.length > 0) throw new BenchError(`${variant.key}. ${variant.label}, round ${r}, left a wrong folder, results untrustworthy:\n  ${problems.join('\n  ')}`);
        // Each run starts from the same server state: the user's other folders as before.
        if (!(variant.key === 'a' && r === options.rounds)) await deleteFolder(bench, folder);
      }
    }

    // Idempotence: the last restore again, into the folder it filled.
    const last = `Restored${options.rounds}`;
    log(`re-run of the restore into INBOX.${last} ...`);
    const rerun = await bonnie<RestoreJson>(bench, ['restore', '--mailbox', `user.${USER}.${SOURCE}`, '--into', `user.${USER}.${last}`]);
    if (rerun.result.appended !== 0 || rerun.result.alreadyThere !== corpus.length) {
      throw new BenchError(`the re-run appended ${rerun.result.appended} and found ${rerun.result.alreadyThere} already there; expected 0 and ${corpus.length}`);
    }
    const again = await verifyFolder(bench, last, false);
    if (again.length > 0) throw new BenchError(`after the re-run:\n  ${again.join('\n  ')}`);
    await deleteFolder(bench, last);

    let profile: Result['profile'];
    if (options.profile) {
      log('one more restore under node --cpu-prof ...');
      const profileDir = join(dir, 'cpu-profile');
      mkdirSync(profileDir);
      const sample = await runRestore(bench, 0, 'Profiled', ['--cpu-prof', '--cpu-prof-dir', profileDir]);
      const file = readdirSync(profileDir).filter((f) => f.endsWith('.cpuprofile')).map((f) => join(profileDir, f)).at(-1);
      if (file === undefined) throw new BenchError(`node --cpu-prof wrote no profile in ${profileDir}`);
      profile = {...summarizeProfile(file), wallSeconds: round(sample.wallMs / 1000, 3)};
      await deleteFolder(bench, 'Profiled');
    }

    const of = (key: Variant['key']) => samples.filter((s) => s.kind === key);
    const over = (key: Variant['key']) => of('a').map((s) => round((of(key).find((o) => o.round === s.round) as Sample).wallMs / s.wallMs, 3));
    const ratios = {aOverB: over('b'), aOverC: over('c')};
    const variants = VARIANTS.map((v) => ({key: v.key, label: v.label, ...summarize(of(v.key), corpus.length, megabytes)}));
    const seconds = (key: Variant['key']) => variants.find((v) => v.key === key)?.seconds ?? Number.NaN;
    const ratio = round(median(ratios.aOverB), 3);
    const cyrus = spawnSync('dpkg-query', ['-W', '-f', '${Version}', 'cyrus-imapd'], {encoding: 'utf8'}).stdout || 'unknown';
    const result: Result = {
      type: 'benchmark',
      name: 'restore',
      node: process.version,
      cpus: availableParallelism(),
      cyrus,
      messages: corpus.length,
      megabytes: round(megabytes, 1),
      corpus: {
        minBytes: sizes[0] ?? 0,
        medianBytes: median(sizes),
        maxBytes: sizes.at(-1) ?? 0,
        withAttachment: corpus.filter((m) => m.bytes.includes('Content-Transfer-Encoding: base64')).length,
        withoutMessageId: corpus.filter((m) => m.messageId === undefined).length,
      },
      rounds: options.rounds,
      loadAverage: [loadAtStart, load()],
      setup: {fillSeconds: round(fillSeconds, 1), archiveSeconds: round(archiveSeconds, 1), cliStartSeconds: round(median(starts) / 1000, 3)},
      variants,
      ratios,
      rerun: {seconds: round(rerun.wallMs / 1000, 2), appended: rerun.result.appended, alreadyThere: rerun.result.alreadyThere},
      target: {minRatio: TARGET_RATIO, ratio, ratioOfMedians: round(seconds('b') / seconds('a'), 3), result: ratio >= TARGET_RATIO ? 'PASS' : 'MISS'},
      ...(profile === undefined ? {} : {profile}),
      verified: true,
    };
    process.stdout.write(options.json ? `${JSON.stringify(result)}\n` : renderTable(result));
    if (options.keep) log(`working folder kept in ${dir}`);
    return 0;
  } catch (error) {
    if (!(error instanceof BenchError)) throw error;
    process.stderr.write(`\nbench/restore: ${error.message}\n`);
    return 1;
  } finally {
    await lab.stop();
    cleanups.delete(lab.stop);
    if (!options.keep) rmSync(dir, {recursive: true, force: true});
  }
}

process.exitCode = await main(process.argv.slice(2));
