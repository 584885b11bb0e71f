/**
 * bench/capture.ts --burst: what capture costs Cyrus when Cyrus is busy. Bursts of LMTP deliveries over 4
 * and 8 parallel connections (each one kept open, delivering one message after the other; connection c
 * delivers to lab user c mod 4), in fresh labs with:
 *   off       event notifications off (the baseline)
 *   listen    `bonnie dealer --listen` under its socket holder, net.unix.max_dgram_qlen as found
 *   listen512 the same with the sysctl at 512 while the socket is created (the kernel reads it then)
 *   sink      a Perl loop that reads the socket and throws every datagram away: what Cyrus pays for making
 *             and sending events, with a reader that costs next to nothing (listen / sink: the daemon's share)
 *   notifyd   notifyd + bin/bonnie-dealer per event: ~100x slower, so it gets fewer deliveries
 *   sinkLean, listenLean (with --lean) sink and listen with `event_extra_params` less the parameters bonnie
 *             does not read (LEAN_DROPPED): what those parameters cost Cyrus
 * Rounds rotate the modes; medians; ratios against `off` of the same run and connection count.
 * For the daemon: its CPU per event (utime+stime of the daemon, the holder's child, from /proc) and the lag
 * from the last delivery's answer to the last event committed (the catalog's max(id), polled read-only every
 * 10 ms once the burst has ended). Then every delivery must have its MessageNew, once.
 */
import {spawn} from 'node:child_process';
import {readdirSync, readFileSync, writeFileSync} from 'node:fs';
import {setTimeout as sleep} from 'node:timers/promises';
import {lastEventId, readEvents} from '../../test/harness/events.js';
import {startLab, type Lab, type NotifyMode} from '../../test/harness/lab.js';
import {testMessage} from '../../test/harness/lmtp.js';
import {startListener, type ListenerStopped, type RunningListener} from '../../test/harness/listener.js';
import {dotStuffed} from '../../test/harness/reply-session.js';
import {LmtpSession} from './lmtp-session.js';
import {random} from './random.js';

/**
 * Parameters of the lab's `event_extra_params` (test/harness/cyrus/imapd.conf, the README's) that no bonnie
 * module reads (src/lib/core/event/parse.ts). bodyStructure makes Cyrus render each message's MIME tree
 * into every message event.
 */
export const LEAN_DROPPED = ['bodyStructure', 'vnd.cmu.unseenMessages', 'vnd.cmu.mbtype', 'vnd.cmu.threadid'] as const;
const FULL_PARAMS = 'bodyStructure clientAddress diskUsed flagNames messageSize messages modseq service timestamp uidnext vnd.cmu.midset vnd.cmu.unseenMessages vnd.cmu.envelope vnd.cmu.sessionId vnd.cmu.mailboxACL vnd.cmu.mbtype vnd.cmu.emailid vnd.cmu.threadid';
const LEAN = {event_extra_params: FULL_PARAMS.split(' ').filter((p) => !(LEAN_DROPPED as readonly string[]).includes(p)).join(' ')};

export const BURST_MODES = [
  {key: 'off', notify: 'off', qlen: undefined, label: 'events off', imapd: undefined},
  {key: 'listen', notify: 'listen', qlen: undefined, label: 'dealer --listen', imapd: undefined},
  {key: 'listen512', notify: 'listen', qlen: 512, label: 'dealer --listen, qlen 512', imapd: undefined},
  {key: 'sink', notify: 'listen', qlen: undefined, label: 'events to a null reader', imapd: undefined},
  {key: 'notifyd', notify: 'notifyd', qlen: undefined, label: 'notifyd + dealer', imapd: undefined},
  {key: 'sinkLean', notify: 'listen', qlen: undefined, label: 'null reader, lean params', imapd: LEAN},
  {key: 'listenLean', notify: 'listen', qlen: undefined, label: 'dealer --listen, lean params', imapd: LEAN},
] as const satisfies ReadonlyArray<{key: string; notify: NotifyMode; qlen: number | undefined; label: string; imapd: Readonly<Record<string, string>> | undefined}>;
const isSink = (mode: BurstMode) => mode.key === 'sink' || mode.key === 'sinkLean';
const isListen = (mode: BurstMode) => mode.key.startsWith('listen');
export type BurstMode = (typeof BURST_MODES)[number];

export const BURST_CONNECTIONS = [4, 8] as const;
const USERS = ['alice', 'bob', 'carol', 'dave'] as const;
const QLEN_SYSCTL = '/proc/sys/net/unix/max_dgram_qlen';
/** The lab's own setup events must have settled before the burst. */
const SETTLE_QUIET_MS = 1500;
/** After the burst: how often the catalog's last id (and the daemon's CPU) is read. */
const LAG_POLL_MS = 10;
/** The last event is the last one stored before nothing new came for this long. */
const QUIET_MS = 2000;
/** Linux' USER_HZ: /proc/<pid>/stat counts CPU time in these ticks. */
const CLOCK_TICKS_PER_S = 100;

export interface BurstSample {
  mode: BurstMode['key'];
  connections: number;
  deliveries: number;
  burstMs: number;
  /** Last answer -> last event stored (ms); negative when everything was stored before the burst ended. */
  lagMs: number | null;
  eventsStored: number | null;
  /** Daemon CPU (user + system) per event stored, µs. */
  cpuUsPerEvent: number | null;
  listener?: ListenerStopped;
  /** Datagrams the null reader got (sink). */
  sinkDatagrams?: number;
}

/** Same bytes for every mode: 1-8 KiB plain-text messages. */
export function burstMessages(count: number): string[] {
  const next = random(0x6c6d7470);
  return Array.from({length: count}, (_, i) => {
    const lines = Array.from({length: 16 + Math.floor(next() ** 2 * 100)}, (_, l) => `line ${l} of burst message ${i + 1}: the quarterly report and the budget meeting agenda`);
    return dotStuffed(testMessage({from: 'bob@lab.test', to: 'alice@lab.test', subject: `burst ${i + 1}`, messageId: `bench-burst-${i + 1}@lab.test`, body: lines.join('\r\n'), date: new Date(Date.UTC(2024, 0, 8, 9) + i * 60_000)}));
  });
}

/** One burst in a fresh lab. Throws (with what was missing) when an event was lost or stored twice. */
export async function runBurst(mode: BurstMode, connections: number, messages: string[], cleanups: Set<() => Promise<unknown>>): Promise<BurstSample> {
  const lab: Lab = await startLab({notify: mode.notify, ...(mode.imapd === undefined ? {} : {imapd: mode.imapd})});
  cleanups.add(lab.stop);
  let listener: RunningListener | undefined;
  let sink: NullReader | undefined;
  try {
    if (isSink(mode)) {
      sink = await startNullReader(lab.notifySocket);
      cleanups.add(sink.stop);
    }
    await allowLmtpConnections(lab, Math.max(...BURST_CONNECTIONS));
    if (isListen(mode)) listener = await withQlen(mode.qlen, () => startListener(lab));
    if (listener !== undefined) cleanups.add(listener.stop);
    const daemon = listener === undefined ? undefined : findDaemon(lab.notifySocket);
    await warmUp(lab, messages[0] as string);
    const stores = mode.key !== 'off' && !isSink(mode);
    // The null reader stores nothing to watch: the lab's setup events get the same time to pass.
    if (stores) await settle(lab);
    else if (isSink(mode)) await sleep(SETTLE_QUIET_MS);
    const after = stores ? lastEventId(lab) : 0;

    const sessions = await Promise.all(Array.from({length: connections}, () => LmtpSession.open(lab.lmtp)));
    const cpuBefore = daemon === undefined ? 0 : cpuTicks(daemon);
    const start = process.hrtime.bigint();
    await Promise.all(
      sessions.map(async (session, c) => {
        const recipient = `${USERS[c % USERS.length]}@${lab.servername}`;
        for (let i = c; i < messages.length; i += connections) await session.deliver('bob@lab.test', recipient, messages[i] as string);
      }),
    );
    const end = process.hrtime.bigint();
    await Promise.all(sessions.map((s) => s.close()));
    const burstMs = Number(end - start) / 1e6;
    if (mode.notify === 'off') return {mode: mode.key, connections, deliveries: messages.length, burstMs, lagMs: null, eventsStored: null, cpuUsPerEvent: null};
    if (sink !== undefined) {
      await sleep(QUIET_MS);
      const sinkDatagrams = await sink.stop();
      cleanups.delete(sink.stop);
      sink = undefined;
      // Nothing is stored: at least each delivery's MessageNew must have reached the socket.
      if (sinkDatagrams < messages.length) throw new Error(`burst sink x${connections}: the null reader got ${sinkDatagrams} datagrams for ${messages.length} deliveries`);
      return {mode: mode.key, connections, deliveries: messages.length, burstMs, lagMs: null, eventsStored: null, cpuUsPerEvent: null, sinkDatagrams};
    }

    // Poll until nothing new for QUIET_MS; the time (and daemon CPU) of the last change is the last commit.
    let last = lastEventId(lab);
    let lastAt = process.hrtime.bigint();
    let cpuAtLast = daemon === undefined ? 0 : cpuTicks(daemon);
    const firstPoll = lastAt;
    let changed = false;
    for (;;) {
      await sleep(LAG_POLL_MS);
      const id = lastEventId(lab);
      const now = process.hrtime.bigint();
      if (id !== last) {
        [last, lastAt, changed] = [id, now, true];
        if (daemon !== undefined) cpuAtLast = cpuTicks(daemon);
      } else if (Number(now - lastAt) / 1e6 > QUIET_MS) break;
    }
    // Nothing changed after the burst: everything was stored by the first poll, right after the last answer.
    const lagMs = Number((changed ? lastAt : firstPoll) - end) / 1e6;
    const stopped = listener === undefined ? undefined : await listener.stop();
    if (listener !== undefined) cleanups.delete(listener.stop);
    listener = undefined;

    const events = readEvents(lab, {after});
    const problems = verifyBurst(events.map((e) => ({type: e.type, mailbox: e.event.mailbox?.name, uids: [...e.event.uids]})), messages.length, connections);
    if (stopped !== undefined && (stopped.lost !== 0 || stopped.quarantined !== 0 || stopped.committed !== stopped.received)) problems.push(`listener counters: ${JSON.stringify(stopped)}`);
    if (problems.length > 0) throw new Error(`burst ${mode.key} x${connections}: events lost or doubled, results untrustworthy:\n  ${problems.join('\n  ')}`);
    const cpuUsPerEvent = daemon === undefined ? null : Math.round(((cpuAtLast - cpuBefore) * 1e6) / CLOCK_TICKS_PER_S / Math.max(1, last - after));
    return {mode: mode.key, connections, deliveries: messages.length, burstMs, lagMs, eventsStored: last - after, cpuUsPerEvent, ...(stopped ? {listener: stopped} : {})};
  } finally {
    if (listener !== undefined) await listener.stop().catch(() => undefined);
    if (sink !== undefined) await sink.stop().catch(() => undefined);
    await lab.stop();
    cleanups.delete(lab.stop);
  }
}

/** Each user's INBOX must hold MessageNew for UIDs 1..n exactly once (connection c delivered to user c mod 4). */
export function verifyBurst(events: Array<{type: string; mailbox: string | undefined; uids: number[]}>, deliveries: number, connections: number): string[] {
  const problems: string[] = [];
  for (const [u, user] of USERS.entries()) {
    let expected = 0;
    for (let i = 0; i < deliveries; i++) if ((i % connections) % USERS.length === u) expected++;
    const uids = events.filter((e) => e.type === 'MessageNew' && e.mailbox === `user.${user}`).flatMap((e) => e.uids).sort((x, y) => x - y);
    const wrong = uids.length !== expected || uids.some((uid, i) => uid !== i + 1);
    if (wrong) problems.push(`user.${user}: ${uids.length} MessageNew UIDs, expected 1..${expected} once each`);
  }
  return problems;
}

/**
 * The lab's cyrus.conf lets 5 lmtpd run at once (maxchild=5): a 6th connection would wait for its greeting
 * until one of the others quits. cyrmaster rereads cyrus.conf on SIGHUP; the same for every mode.
 */
async function allowLmtpConnections(lab: Lab, connections: number): Promise<void> {
  const conf = readFileSync(lab.cyrusConf, 'utf8');
  const lmtpLine = /^(\s*lmtp\s+cmd=.*maxchild=)\d+/m;
  if (!lmtpLine.test(conf)) throw new Error(`${lab.cyrusConf} has no lmtp service with maxchild`);
  writeFileSync(lab.cyrusConf, conf.replace(lmtpLine, `$1${connections}`));
  process.kill(lab.masterPid, 'SIGHUP');
  // cyrmaster reloads from its main loop; give it a moment (its log goes to syslog only).
  await sleep(300);
}

/**
 * One delivery to frank before the burst. lmtpd makes the partition's staging folder on its first delivery,
 * and parallel first deliveries race for it: the loser fails with "assertion failed: imap/append.c: 932:
 * stage != NULL && stage->parts.count" (421). Its events come before the burst's and are not counted.
 */
async function warmUp(lab: Lab, message: string): Promise<void> {
  const session = await LmtpSession.open(lab.lmtp);
  try {
    await session.deliver('bob@lab.test', `frank@${lab.servername}`, message);
  } finally {
    await session.close();
  }
}

interface NullReader {
  /** SIGTERM; resolves with the number of datagrams it read. */
  stop(): Promise<number>;
}

/** Binds `socket` and reads it with blocking recv(2), counting and discarding: the cheapest possible reader. */
const NULL_READER = `use strict; use Socket;
my ($path) = @ARGV; my $n = 0; my $stop = 0;
socket(my $s, PF_UNIX, SOCK_DGRAM, 0) or die "socket: $!"; unlink $path; bind($s, pack_sockaddr_un($path)) or die "bind: $!";
chmod 0666, $path; $SIG{TERM} = sub { $stop = 1 }; $| = 1; print "ready\n";
until ($stop) { my $b; $n++ if defined recv($s, $b, 262144, 0) }
print "$n\n";`;

async function startNullReader(socket: string): Promise<NullReader> {
  const child = spawn('perl', ['-e', NULL_READER, socket], {stdio: ['ignore', 'pipe', 'inherit']});
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
  for (const deadline = Date.now() + 10_000; !out.includes('ready'); await sleep(20)) {
    if (child.exitCode !== null || Date.now() > deadline) throw new Error('the null reader did not start');
  }
  return {
    async stop() {
      child.kill('SIGTERM');
      if ((await exited) !== 0) throw new Error('the null reader failed');
      return Number(out.trim().split('\n').at(-1));
    },
  };
}

/** Runs `start` with the sysctl at `qlen` (if given), and puts the old value back right after. */
async function withQlen<T>(qlen: number | undefined, start: () => Promise<T>): Promise<T> {
  if (qlen === undefined) return start();
  const before = readFileSync(QLEN_SYSCTL, 'utf8').trim();
  writeFileSync(QLEN_SYSCTL, String(qlen));
  try {
    return await start();
  } finally {
    writeFileSync(QLEN_SYSCTL, before);
  }
}

/** The daemon reading `socket`: the `dealer --listen` process whose parent is the socket holder. */
function findDaemon(socket: string): number {
  const cmdline = (pid: string) => {
    try {
      return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
    } catch {
      return [];
    }
  };
  for (const pid of readdirSync('/proc').filter((name) => /^\d+$/.test(name))) {
    const args = cmdline(pid);
    if (!args.includes('--listen') || !args.includes(socket) || args.some((a) => a.endsWith('bonnie-socket-holder'))) continue;
    const parent = statFields(pid)?.[1];
    if (parent !== undefined && cmdline(parent).some((a) => a.endsWith('bonnie-socket-holder'))) return Number(pid);
  }
  throw new Error(`no daemon (child of bonnie-socket-holder) reads ${socket}`);
}

/** /proc/<pid>/stat from field 3 (state) on: the command name may hold spaces and parentheses. */
function statFields(pid: string): string[] | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  } catch {
    return undefined;
  }
}

/** utime + stime (fields 14 and 15) in clock ticks. */
function cpuTicks(pid: number): number {
  const fields = statFields(String(pid));
  if (fields === undefined) throw new Error(`the daemon (pid ${pid}) is gone`);
  return Number(fields[11]) + Number(fields[12]);
}

async function settle(lab: Lab): Promise<void> {
  let last = lastEventId(lab);
  for (let quietSince = Date.now(); Date.now() - quietSince < SETTLE_QUIET_MS; ) {
    await sleep(100);
    const id = lastEventId(lab);
    if (id !== last) [last, quietSince] = [id, Date.now()];
  }
}

export interface BurstOptions {
  deliveries: number;
  /** notifyd's deliveries per burst: it is ~100x slower. */
  notifydDeliveries: number;
  rounds: number;
  /** Also the sinkLean and listenLean modes. */
  lean: boolean;
}

const median = (values: number[]) => {
  const sorted = [...values].sort((x, y) => x - y);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
};
const round = (value: number, digits = 1) => Math.round(value * 10 ** digits) / 10 ** digits;

/**
 * Every mode with 4 and 8 connections, `rounds` times (modes rotated per round); medians and ratios to `off`
 * with as many connections. `progress` gets one line per burst.
 */
export async function runBurstBench(options: BurstOptions, cleanups: Set<() => Promise<unknown>>, progress?: (line: string) => void) {
  const messages = burstMessages(Math.max(options.deliveries, options.notifydDeliveries));
  const samples: BurstSample[] = [];
  const modes = BURST_MODES.filter((mode) => options.lean || mode.imapd === undefined);
  for (let r = 0; r < options.rounds; r++) {
    for (const connections of BURST_CONNECTIONS) {
      for (let i = 0; i < modes.length; i++) {
        const mode = modes[(r + i) % modes.length] as BurstMode;
        const count = mode.key === 'notifyd' ? options.notifydDeliveries : options.deliveries;
        const sample = await runBurst(mode, connections, messages.slice(0, count), cleanups);
        samples.push(sample);
        progress?.(`round ${r + 1}/${options.rounds}, ${connections} connections, ${mode.key}: ${round(count / (sample.burstMs / 1000))}/s, lag ${sample.lagMs === null ? '-' : round(sample.lagMs, 0)} ms, ${sample.cpuUsPerEvent ?? '-'} µs CPU/event`);
      }
    }
  }
  const rows = BURST_CONNECTIONS.flatMap((connections) => {
    const of = (key: BurstMode['key']) => samples.filter((s) => s.connections === connections && s.mode === key);
    const rate = (s: BurstSample) => s.deliveries / (s.burstMs / 1000);
    const off = median(of('off').map(rate));
    const sink = median(of('sink').map(rate));
    return modes.map((mode) => {
      const own = of(mode.key);
      const lags = own.flatMap((s) => (s.lagMs === null ? [] : [s.lagMs]));
      const cpus = own.flatMap((s) => (s.cpuUsPerEvent === null ? [] : [s.cpuUsPerEvent]));
      const perSecond = median(own.map(rate));
      return {
        connections,
        mode: mode.key,
        label: mode.label,
        deliveries: own[0]?.deliveries ?? 0,
        deliveriesPerSecond: round(perSecond),
        ratioToOff: round(perSecond / off, 3),
        /** Against the null reader: what the daemon costs beyond what Cyrus pays to send events at all. */
        ratioToSink: round(perSecond / sink, 3),
        lagMs: lags.length > 0 ? round(median(lags), 0) : null,
        maxLagMs: lags.length > 0 ? round(Math.max(...lags), 0) : null,
        cpuUsPerEvent: cpus.length > 0 ? median(cpus) : null,
        samples: own.map((s) => ({perSecond: round(rate(s)), lagMs: s.lagMs === null ? null : round(s.lagMs, 0), cpuUsPerEvent: s.cpuUsPerEvent, eventsStored: s.eventsStored, ...(s.sinkDatagrams === undefined ? {} : {sinkDatagrams: s.sinkDatagrams})})),
      };
    });
  });
  return {rows, samples};
}
export type BurstRow = Awaited<ReturnType<typeof runBurstBench>>['rows'][number];

/** Target (issue 13): the daemon >= 0.95 of `off` with 4 connections, last event within 1 s of the burst's end. */
export const BURST_TARGET = {ratio: 0.95, lagMs: 1000, connections: 4} as const;

export function burstVerdict(rows: BurstRow[]): string {
  return rows
    .filter((r) => r.connections === BURST_TARGET.connections && r.mode.startsWith('listen'))
    .map((r) => `${r.mode} x${r.connections}: ${r.ratioToOff >= BURST_TARGET.ratio && (r.maxLagMs ?? 0) <= BURST_TARGET.lagMs ? 'PASS' : 'MISS'} (ratio ${r.ratioToOff.toFixed(3)} >= ${BURST_TARGET.ratio}, max lag ${r.maxLagMs} ms <= ${BURST_TARGET.lagMs})`)
    .join('; ');
}

export function renderBurstTable(rows: BurstRow[]): string {
  const header = ['conns', 'mode', 'deliveries', 'deliv/s', 'vs off', 'vs sink', 'lag ms', 'max lag ms', 'CPU µs/event'];
  const cells = rows.map((r) => [String(r.connections), r.label, String(r.deliveries), r.deliveriesPerSecond.toFixed(1), r.ratioToOff.toFixed(3), r.ratioToSink.toFixed(3), r.lagMs?.toFixed(0) ?? '-', r.maxLagMs?.toFixed(0) ?? '-', r.cpuUsPerEvent?.toFixed(0) ?? '-']);
  const widths = header.map((h, i) => Math.max(h.length, ...cells.map((c) => (c[i] as string).length)));
  const line = (c: string[]) => c.map((v, i) => (i === 1 ? v.padEnd(widths[i] as number) : v.padStart(widths[i] as number))).join('  ');
  return [line(header), ...cells.map(line)].join('\n');
}
