/**
 * Benchmark: what `bonnie intercept serve` costs in CPU per intercepted delivery, without Cyrus (issue 16).
 * bench/intercept.ts measures the delivery rate against a live Cyrus, where two cores shared with Cyrus and
 * capture make one round differ from the next by 10-50%; this one isolates serve's own work, so that a
 * change to serve can be judged on a loaded machine: CPU time (user + system of the serve process, from
 * /proc) does not depend on what else runs nearly as much as elapsed time does.
 *
 * Each run: a catalog (bonnie init), a spool with N messages of alice (2 kB bodies, as bench/intercept.ts
 * delivers), serve started and idle, then N Cyrus-shaped MessageNew notifications of alice committed at
 * once; measured until serve has handed every PDU over to the loopback receivers (delivered_at in the
 * store):
 *   a. the warrant is on carol: serve reads and parses every notification and maps nothing (the baseline)
 *   b. the warrant is on alice: each notification gives an IRI e-mail-receive (HI2) and a CC (HI3)
 * Reported: CPU ms per delivery of a and b, and b - a: the intercept's own cost (median and minimum over the
 * rounds: on a shared 2-core VM, contention inflates CPU time too, so the least disturbed run is shown).
 * With `--base DIR` (another checkout, built), the same runs alternate between DIR's CLI and this one, and
 * the ratios this / base of b - a are printed.
 *
 * Needs root (serve is root's) and `npm run build` (in DIR too). Usage:
 *   node --import tsx bench/intercept-cpu.ts [--deliveries N] [--rounds R] [--base DIR] [--json]
 */
import {spawn} from 'node:child_process';
import {mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync} from 'node:fs';
import {createServer, type Server} from 'node:net';
import {tmpdir} from 'node:os';
import {join, resolve} from 'node:path';
import {createInterface} from 'node:readline';
import {setTimeout as sleep} from 'node:timers/promises';
import Database from 'better-sqlite3';
import '../src/lib/cli/schema.js';
import {openCatalog} from '../src/lib/base/catalog/catalog.js';
import {Ingester} from '../src/lib/pipeline/queue/ingest.js';
import {REPO} from '../test/harness/lab.js';
import {runCommand} from '../test/harness/process.js';
import {summarizeProfile} from './lib/cpu-profile.js';
import {countOption} from './lib/args.js';

const USAGE = `usage: node --import tsx bench/intercept-cpu.ts [--deliveries N] [--rounds R] [--base DIR] [--json]
  --deliveries N  notifications (deliveries to alice) per run (default 2000)
  --rounds R      rounds; each runs a and b (and the base's a and b), in rotated order (default 3)
  --base DIR      another checkout of bonnie, built: its serve is measured alongside this one
  --json          one JSON object instead of the table
  --profile       a CPU profile of this checkout's serve in its last b run: where its time goes
Needs root and \`npm run build\`. Exit status: 0 measured, 1 failed, 2 bad usage.`;
/** Bounds a wait: a guard against a hang, never a measure. */
const GUARD_MS = 300_000;
const MAILBOX_ID = 'k8fmp3wz0qcv4nbx7yhd2rte';

function cpuMs(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').replace(/^.*\) /s, '').split(' ');
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

async function sink(): Promise<{server: Server; port: number}> {
  const server = createServer((socket) => {
    socket.on('error', () => undefined);
    socket.resume();
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  return {server, port: (server.address() as {port: number}).port};
}

/** alice's deliveries as capture stores them: MessageNew of UID i+1 in her INBOX. */
function notifications(n: number, start: number): Buffer[] {
  return Array.from({length: n}, (_, i) => Buffer.from(JSON.stringify({
    event: 'MessageNew', timestamp: new Date(start + i).toISOString(), service: 'lmtp', uri: `imap://imap.lab.test/user.alice;UIDVALIDITY=1795348437/;UID=${i + 1}`,
    mailboxID: MAILBOX_ID, uidset: String(i + 1), messageSize: 2300, user: 'alice', serverFQDN: 'imap.lab.test', 'vnd.cmu.mbtype': 'e',
    'vnd.cmu.envelope': `("${new Date(start).toUTCString()}" "bench ${i}" (("Agent" NIL "agent" "example.com")) NIL NIL (("Alice" NIL "alice" "lab.test")) NIL NIL NIL "<bench-${i}@example.com>")`,
    'vnd.cmu.midset': [`<bench-${i}@example.com>`], 'vnd.cmu.sessionId': `lmtp-${i}`,
  })));
}

/** One run of serve from `root`'s CLI; returns serve's CPU ms per delivery. */
async function run(root: string, target: 'alice' | 'carol', n: number, profile?: string): Promise<number> {
  const home = mkdtempSync(join(tmpdir(), 'bonnie-bench-icpu-'));
  const [hi2, hi3] = [await sink(), await sink()];
  try {
    const spool = join(home, 'spool');
    const folder = join(spool, 'uuid', MAILBOX_ID[0] as string, MAILBOX_ID[1] as string, MAILBOX_ID);
    mkdirSync(folder, {recursive: true});
    writeFileSync(join(folder, 'cyrus.header'), '');
    for (let i = 0; i < n; i++) writeFileSync(join(folder, `${i + 1}.`), `From: agent@example.com\r\nTo: alice@lab.test\r\nSubject: bench ${i}\r\nMessage-ID: <bench-${i}@example.com>\r\n\r\n${'x'.repeat(2000)}\r\n`);
    const store = join(home, 'intercept', 'intercept.db');
    const env = {...process.env, BONNIE_CONFIG: '/dev/null', BONNIE_CATALOG: join(home, 'catalog.db'), BONNIE_SPOOL: spool, BONNIE_INTERCEPT_DB: store};
    const bonnie = async (...a: string[]) => {
      const ran = await runCommand(process.execPath, [join(root, 'bin/run.js'), ...a], {env});
      if (ran.code !== 0) throw new Error(`bonnie ${a.join(' ')}: ${ran.stderr}`);
    };
    await bonnie('init', '--catalog', env.BONNIE_CATALOG);
    const start = Date.now() - 60_000;
    await bonnie('intercept', 'add', '--liid', 'BENCH-1', '--agency', 'LAB', '--target', target, '--start', new Date(start).toISOString(), '--end', new Date(start + 86_400_000).toISOString(),
      '--hi2', `tcp://127.0.0.1:${hi2.port}`, '--hi3', `tcp://127.0.0.1:${hi3.port}`, '--auth-country', 'DE', '--delivery-country', 'DE');
    const serve = spawn(process.execPath, [...(profile === undefined ? [] : ['--cpu-prof', '--cpu-prof-dir', profile]), join(root, 'bin/run.js'), 'intercept', 'serve', '--json', '--keepalive-freq', '0'], {env});
    const lines: Array<{type: string}> = [];
    createInterface({input: serve.stdout}).on('line', (l) => lines.push(JSON.parse(l) as {type: string}));
    serve.stderr.resume();
    try {
      const deadline = Date.now() + GUARD_MS;
      while (!lines.some((l) => l.type === 'started')) {
        if (Date.now() > deadline || serve.exitCode !== null) throw new Error('intercept serve did not start');
        await sleep(20);
      }
      await sleep(300);
      const catalog = openCatalog(env.BONNIE_CATALOG);
      let lastId: number;
      try {
        new Ingester(catalog.db).ingest(notifications(n, start + 1000).map((raw, i) => ({raw, receivedAt: start + 1000 + i, source: 'stdin' as const})));
        lastId = (catalog.db.prepare('SELECT max(id) AS id FROM notification').get() as {id: number}).id;
      } finally {
        catalog.close();
      }
      const before = cpuMs(serve.pid as number);
      const db = new Database(store, {readonly: true, fileMustExist: true});
      try {
        const expected = target === 'alice' ? 2 * n : 0;
        for (;;) {
          if (Date.now() > deadline) throw new Error('intercept serve did not finish');
          const cursor = (db.prepare('SELECT event_id FROM intercept_cursor').get() as {event_id: number} | undefined)?.event_id ?? 0;
          const delivered = (db.prepare('SELECT count(delivered_at) AS n FROM intercept_pdu').get() as {n: number}).n;
          if (cursor >= lastId && delivered >= expected) break;
          await sleep(20);
        }
      } finally {
        db.close();
      }
      return (cpuMs(serve.pid as number) - before) / n;
    } finally {
      serve.kill('SIGTERM');
      await new Promise((done) => serve.on('close', done));
    }
  } finally {
    hi2.server.close();
    hi3.server.close();
    rmSync(home, {recursive: true, force: true});
  }
}

const median = (values: number[]) => {
  const s = [...values].sort((x, y) => x - y);
  return s.length === 0 ? Number.NaN : s.length % 2 === 1 ? (s[(s.length - 1) / 2] as number) : ((s[s.length / 2 - 1] as number) + (s[s.length / 2] as number)) / 2;
};

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const option = (name: string, fallback: number) => countOption(args, name, fallback, USAGE);
  const n = option('--deliveries', 2000);
  const rounds = option('--rounds', 3);
  const json = args.includes('--json');
  const baseAt = args.indexOf('--base');
  const base = baseAt === -1 ? undefined : resolve(args[baseAt + 1] ?? '');
  if (process.geteuid?.() !== 0) {
    process.stderr.write('bench/intercept-cpu.ts needs root (bonnie intercept serve is root\'s)\n');
    process.exit(1);
  }
  const roots = base === undefined ? [['this', REPO]] as const : [['this', REPO], ['base', base]] as const;
  const results: Record<string, {a: number[]; b: number[]}> = {this: {a: [], b: []}, base: {a: [], b: []}};
  const load: number[] = [];
  const profileDir = args.includes('--profile') ? mkdtempSync(join(tmpdir(), 'bonnie-bench-icpu-profile-')) : undefined;
  for (let round = 0; round < rounds; round++) {
    const order = [...roots.flatMap(([name, root]) => [[name, root, 'carol'], [name, root, 'alice']] as const)];
    // Rotated, so that no variant always runs first or last in a round.
    for (let k = 0; k < round % order.length; k++) order.push(order.shift() as (typeof order)[number]);
    for (const [name, root, target] of order) {
      load.push(Number(readFileSync('/proc/loadavg', 'utf8').split(' ')[0]));
      const profiled = profileDir !== undefined && name === 'this' && target === 'alice' && round === rounds - 1 ? profileDir : undefined;
      (results[name] as {a: number[]; b: number[]})[target === 'carol' ? 'a' : 'b'].push(await run(root, target, n, profiled));
    }
  }
  const summary = (name: string) => {
    const r = results[name] as {a: number[]; b: number[]};
    const own = r.b.map((b, i) => b - (r.a[i] as number));
    return {idle: median(r.a), intercepted: median(r.b), own: median(own), best: Math.min(...own), rounds: r};
  };
  const mine = summary('this');
  const theirs = base === undefined ? undefined : summary('base');
  if (json) {
    process.stdout.write(`${JSON.stringify({type: 'benchmark', name: 'intercept-cpu', deliveries: n, rounds, load: {min: Math.min(...load), max: Math.max(...load)}, this: mine, base: theirs, ratio: theirs === undefined ? undefined : {median: mine.own / theirs.own, min: mine.best / theirs.best}})}\n`);
    return;
  }
  const row = (name: string, s: ReturnType<typeof summary>) => `${name.padEnd(6)} ${s.idle.toFixed(3).padStart(8)} ${s.intercepted.toFixed(3).padStart(12)} ${s.own.toFixed(3).padStart(10)} ${s.best.toFixed(3).padStart(9)}   a ${s.rounds.a.map((v) => v.toFixed(3)).join(', ')}; b ${s.rounds.b.map((v) => v.toFixed(3)).join(', ')}`;
  const out = [
    `bonnie intercept serve, CPU ms per delivery: ${n} deliveries to alice per run, ${rounds} round(s), load ${Math.min(...load)}-${Math.max(...load)}`,
    `       a (idle)  b (alice's)      b - a  min b - a   per round`,
    row('this', mine),
  ];
  if (theirs !== undefined) out.push(row('base', theirs), `this / base (b - a): median ${(mine.own / theirs.own).toFixed(2)}, min ${(mine.best / theirs.best).toFixed(2)} (the least disturbed run)`);
  if (profileDir !== undefined) {
    const profile = summarizeProfile(join(profileDir, readdirSync(profileDir)[0] as string), {places: 12, functions: 25});
    out.push(`serve's CPU profile (the last b run, start-up included): ${profile.totalMs.toFixed(0)} ms`, ...profile.byPlace.map((p) => `  ${p.ms.toFixed(0).padStart(7)} ms  ${p.place}`), '  functions:', ...profile.byFunction.map((f) => `  ${f.ms.toFixed(0).padStart(7)} ms  ${f.fn}`));
    rmSync(profileDir, {recursive: true, force: true});
  }
  process.stdout.write(`${out.join('\n')}\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`bench/intercept-cpu.ts: ${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
