/**
 * Benchmark: lawful interception's latency and its cost to Cyrus (issue 16). One lab (capture by
 * `bonnie dealer --listen`), `bonnie intercept serve` (the built CLI) running throughout, and the agency:
 * receivers on loopback for HI2 and HI3, in a process of their own, that stamp each PS-PDU as its last
 * byte arrives (bench/lib/pdu-receiver.ts). After a warm-up, phases a b a b ... a:
 *   a. no intercept in force           (the baseline: LMTP deliveries to alice)
 *   b. an intercept on alice           (every delivery gives an IRI e-mail-receive and a CC)
 * Each phase delivers N messages to alice over LMTP, one after the other; the rate is N / time. A round's
 * ratio is its b against the mean of the a before and the a after it (a drift over the run cancels out).
 * Latency (b) = when the PDU arrived at the receiver - the event's time as Cyrus stamped it (the PDU's
 * timeStamp), for IRI and CC apart: p50, p99, max. All clocks are this host's.
 *
 * Targets (the issue): IRI p99 <= 2 s, CC p99 <= 5 s; delivery rate of b >= 0.95 x a. PASS or MISS.
 * Every PDU must arrive once, numbered 0.. without gaps: otherwise the results are untrustworthy (exit 1).
 *
 * Needs root, Cyrus (test/harness/install.sh) and `npm run build`. Usage:
 *   node --import tsx bench/intercept.ts [--deliveries N] [--rounds R] [--warmup N] [--nice N] [--control] [--profile] [--json]
 */
import {fork, spawn} from 'node:child_process';
import {mkdtempSync, readdirSync, readFileSync, rmSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {createInterface} from 'node:readline';
import {setTimeout as sleep} from 'node:timers/promises';
import Database from 'better-sqlite3';
import type {Arrival} from './lib/pdu-receiver.js';
import {startLab} from '../test/harness/lab.js';
import {startListener} from '../test/harness/listener.js';
import {lmtpDeliver, testMessage} from '../test/harness/lmtp.js';
import {REPO} from '../test/harness/lab.js';
import {runCommand} from '../test/harness/process.js';
import {summarizeProfile} from './lib/cpu-profile.js';
import {countOption} from './lib/args.js';

const TARGET = {iriP99Ms: 2000, ccP99Ms: 5000, rateRatio: 0.95};
const USAGE = `usage: node --import tsx bench/intercept.ts [--deliveries N] [--rounds R] [--warmup N] [--nice N] [--control] [--json]
  --deliveries N  LMTP deliveries per phase (default 300)
  --rounds R      intercepted phases (b), each between two without (a) (default 3)
  --warmup N      LMTP deliveries before anything is timed (default 2000)
  --json          one JSON object instead of the table
  --control       the b phases' warrant is on carol, who gets no mail: nothing is intercepted, serve only
                  reads and maps; the ratios show the benchmark's own noise and bias (expect ~1.0)
  --profile       a CPU profile of serve (node --cpu-prof): where its time goes, printed after the table
  --nice N        serve's niceness (default: serve's own, 10)
Needs root and \`npm run build\`. Exit status: 0 measured (PASS or MISS), 1 failed, 2 bad usage.`;
/** Bounds a wait: a guard against a hang, never a measure. */
const GUARD_MS = 120_000;

/**
 * The agency: bench/lib/pdu-receiver.ts in a child process (in this one it would compete with the LMTP
 * client being timed). `count()` says how many PDUs came so far; `take()` decodes those that came since the
 * last call (blocking the receiver's stamping meanwhile: only once those awaited are in); `all` holds them.
 */
async function agency(): Promise<{ports: {hi2: number; hi3: number}; count: () => Promise<number>; take: () => Promise<Arrival[]>; all: Arrival[]; pid: number | undefined; stop: () => void}> {
  const child = fork(join(REPO, 'bench/lib/pdu-receiver.ts'), [], {execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc']});
  const all: Arrival[] = [];
  const replies: Array<(arrivals: Arrival[]) => void> = [];
  const counts: Array<(n: number) => void> = [];
  const ports = await new Promise<{hi2: number; hi3: number}>((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`the PDU receiver exited ${code}`)));
    child.on('message', (m: {ports?: {hi2: number; hi3: number}; count?: number; arrivals?: Arrival[]}) => {
      if (m.ports !== undefined) resolve(m.ports);
      if (m.count !== undefined) counts.shift()?.(m.count);
      if (m.arrivals !== undefined) replies.shift()?.(m.arrivals);
    });
  });
  const take = () =>
    new Promise<Arrival[]>((resolve) => {
      replies.push((arrivals) => {
        all.push(...arrivals);
        resolve(all);
      });
      child.send('take');
    });
  const count = () =>
    new Promise<number>((resolve) => {
      counts.push(resolve);
      child.send('count');
    });
  return {ports, count, take, all, pid: child.pid, stop: () => child.kill()};
}

/** CPU time (user + system) of a process so far, ms, from /proc (clock ticks of 10 ms). */
function cpuMs(pid: number | undefined): number {
  if (pid === undefined) return Number.NaN;
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').replace(/^.*\) /s, '').split(' ');
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] ?? Number.NaN;
const stats = (values: number[]) => {
  const s = [...values].sort((x, y) => x - y);
  return {n: s.length, p50: percentile(s, 50), p99: percentile(s, 99), max: s.at(-1) ?? Number.NaN};
};
const median = (values: number[]) => percentile([...values].sort((x, y) => x - y), 50);

async function deliverAll(lab: Awaited<ReturnType<typeof startLab>>, n: number, tag: string): Promise<number> {
  const start = process.hrtime.bigint();
  for (let i = 0; i < n; i++) {
    const message = testMessage({from: 'agent@example.com', to: 'alice@lab.test', subject: `bench ${tag} ${i}`, messageId: `bench-${tag}-${i}@example.com`, body: 'x'.repeat(2000)});
    const [result] = await lmtpDeliver(lab, {from: 'agent@example.com', to: ['alice'], message});
    if (result?.code !== 250) throw new Error(`LMTP delivery ${i} refused: ${result?.code} ${result?.text}`);
  }
  return n / (Number(process.hrtime.bigint() - start) / 1e9);
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const option = (name: string, fallback: number) => countOption(args, name, fallback, USAGE);
  const deliveries = option('--deliveries', 300);
  const rounds = option('--rounds', 3);
  const warmup = option('--warmup', 2000);
  const json = args.includes('--json');
  const control = args.includes('--control');
  const nice = args.includes('--nice') ? Number(args[args.indexOf('--nice') + 1]) : undefined;
  if (nice !== undefined && !(Number.isInteger(nice) && nice >= 0 && nice <= 19)) {
    process.stderr.write(USAGE);
    process.exit(2);
  }

  const dir = mkdtempSync(join(tmpdir(), 'bonnie-bench-intercept-'));
  const lab = await startLab({notify: 'listen'});
  const listener = await startListener(lab);
  const receiver = await agency();
  const hi2 = {port: receiver.ports.hi2};
  const hi3 = {port: receiver.ports.hi3};
  const env = {...process.env, BONNIE_CONFIG: '/dev/null', BONNIE_CATALOG: lab.catalog, BONNIE_SPOOL: join(lab.dir, 'var/spool/mail'), BONNIE_INTERCEPT_DB: join(dir, 'intercept', 'intercept.db')};
  const bonnie = async (...a: string[]) => {
    const ran = await runCommand(process.execPath, [join(REPO, 'bin/run.js'), ...a], {env});
    if (ran.code !== 0) throw new Error(`bonnie ${a.join(' ')}: ${ran.stderr}`);
  };
  // The store exists before serve starts: a warrant over already (serve needs a store).
  const t0 = Date.now();
  await bonnie('intercept', 'add', '--liid', 'BENCH-0', '--agency', 'LAB', '--target', 'carol', '--start', new Date(t0 + 1000).toISOString(), '--end', new Date(t0 + 2000).toISOString(),
    '--hi2', `tcp://127.0.0.1:${hi2.port}`, '--hi3', `tcp://127.0.0.1:${hi3.port}`, '--auth-country', 'DE', '--delivery-country', 'DE');
  const profile = args.includes('--profile') ? join(dir, 'profile') : undefined;
  const serve = spawn(process.execPath, [...(profile === undefined ? [] : ['--cpu-prof', '--cpu-prof-dir', profile]), join(REPO, 'bin/run.js'), 'intercept', 'serve', '--json', '--keepalive-freq', '0', ...(nice === undefined ? [] : ['--nice', String(nice)])], {env});
  const lines: Array<{type: string}> = [];
  createInterface({input: serve.stdout}).on('line', (l) => lines.push(JSON.parse(l) as {type: string}));
  const rates: {a: number[]; b: number[]} = {a: [], b: []};
  const ratios: number[] = [];
  /** serve's CPU per delivery, ms, in each phase (a: polling with nothing to map). */
  const serveCpu: {a: number[]; b: number[]} = {a: [], b: []};
  /** The agency's receivers' CPU per delivery, ms, in each b phase (another machine in real life). */
  const receiverCpu: number[] = [];
  let failure: string | undefined;
  const perRound: Array<{round: number; capture: ReturnType<typeof stats>; iri: ReturnType<typeof stats>}> = [];
  try {
    for (const deadline = Date.now() + GUARD_MS; !lines.some((l) => l.type === 'started'); ) {
      if (Date.now() > deadline) throw new Error('intercept serve did not start');
      await sleep(50);
    }
    // Warm-up (not counted): a fresh lab delivers slower for its first few thousand messages.
    await deliverAll(lab, warmup, 'warm');
    const phaseA = async (index: number) => {
      const cpu = cpuMs(serve.pid);
      rates.a.push(await deliverAll(lab, deliveries, `a${index}`));
      serveCpu.a.push((cpuMs(serve.pid) - cpu) / deliveries);
    };
    // a b a b ... a: each b between two a phases, so that a drift of the rate over the run cancels out.
    await phaseA(0);
    for (let round = 0; round < rounds; round++) {
      const liid = `BENCH-${round + 1}`;
      await bonnie('intercept', 'add', '--liid', liid, '--agency', 'LAB', '--target', control ? 'carol' : 'alice', '--start', new Date().toISOString(), '--end', new Date(Date.now() + 3_600_000).toISOString(),
        '--hi2', `tcp://127.0.0.1:${hi2.port}`, '--hi3', `tcp://127.0.0.1:${hi3.port}`, '--auth-country', 'DE', '--delivery-country', 'DE');
      // The warrant counts from serve's next round (100 ms).
      await sleep(1000);
      const cpu = cpuMs(serve.pid);
      const agencyCpu = cpuMs(receiver.pid);
      const before = await receiver.count();
      rates.b.push(await deliverAll(lab, deliveries, `b${round}`));
      const expected = control ? 0 : 2 * deliveries;
      for (const deadline = Date.now() + GUARD_MS; ; await sleep(100)) {
        const came = (await receiver.count()) - before;
        if (came >= expected) break;
        if (Date.now() > deadline) throw new Error(`${liid}: ${came} of ${expected} PDUs after ${GUARD_MS} ms`);
      }
      serveCpu.b.push((cpuMs(serve.pid) - cpu) / deliveries);
      receiverCpu.push((cpuMs(receiver.pid) - agencyCpu) / deliveries);
      await receiver.take();
      for (const hi of [2, 3] as const) {
        const seqs = receiver.all.filter((x) => x.liid === liid && x.hi === hi).map((x) => x.seq);
        if (seqs.some((s, i) => s !== i) || seqs.length !== expected / 2) failure = `${liid} HI${hi}: sequence numbers not 0..${deliveries - 1} in order, once`;
      }
      await bonnie('intercept', 'end', liid, '--reason', 'bench phase over');
      await phaseA(round + 1);
      ratios.push((rates.b[round] as number) / (((rates.a[round] as number) + (rates.a[round + 1] as number)) / 2));
    }
    // Per round: where the time goes. Capture's share (the notification's arrival in the catalog - Cyrus'
    // stamp) from the catalog, the whole (PDU at the receiver - Cyrus' stamp) from the receiver.
    const catalog = new Database(lab.catalog, {readonly: true});
    const news = catalog.prepare<[string], {received_at: number; raw: Buffer}>("SELECT received_at, raw FROM notification WHERE event_type = 'MessageNew' AND CAST(raw AS TEXT) LIKE ?");
    for (let round = 0; round < rounds; round++) {
      const captureLag = news.all(`%bench-b${round}-%`).map((n) => n.received_at - Date.parse((JSON.parse(n.raw.toString('utf8')) as {timestamp: string}).timestamp));
      const iriRound = receiver.all.filter((x) => x.hi === 2 && x.liid === `BENCH-${round + 1}`).map((x) => x.latencyMs);
      perRound.push({round: round + 1, capture: stats(captureLag), iri: stats(iriRound)});
    }
    catalog.close();
  } finally {
    serve.kill('SIGTERM');
    await new Promise((resolve) => serve.on('close', resolve));
    receiver.stop();
    await listener.stop();
    await lab.stop();
  }
  let profileText = '';
  if (profile !== undefined) {
    const summary = summarizeProfile(join(profile, readdirSync(profile)[0] as string), {places: 12, functions: 20});
    profileText = [`serve's CPU profile: ${summary.totalMs.toFixed(0)} ms`, ...summary.byPlace.map((p) => `  ${p.ms.toFixed(0).padStart(7)} ms  ${p.place}`), '  functions:', ...summary.byFunction.map((f) => `  ${f.ms.toFixed(0).padStart(7)} ms  ${f.fn}`), ''].join('\n');
  }
  rmSync(dir, {recursive: true, force: true});
  if (failure !== undefined) throw new Error(`untrustworthy: ${failure}`);
  const all = receiver.all;
  const iri = stats(all.filter((x) => x.hi === 2).map((x) => x.latencyMs));
  const cc = stats(all.filter((x) => x.hi === 3).map((x) => x.latencyMs));
  const rate = {a: median(rates.a), b: median(rates.b)};
  // The rate drifts over a run (the machine is shared): each round's b against its own a, then the median.
  const ratio = median(ratios);
  const verdict = (ok: boolean) => (ok ? 'PASS' : 'MISS');
  const result = {
    type: 'benchmark', name: 'intercept', deliveries, rounds, control, iriLatencyMs: iri, ccLatencyMs: cc, deliveriesPerSecond: {withoutIntercept: rates.a, withIntercept: rates.b, medianWithout: rate.a, medianWith: rate.b, roundRatios: ratios, ratio}, serveCpuMsPerDelivery: serveCpu, receiverCpuMsPerDelivery: receiverCpu, perRound,
    verdicts: {iriP99: verdict(iri.p99 <= TARGET.iriP99Ms), ccP99: verdict(cc.p99 <= TARGET.ccP99Ms), rate: verdict(ratio >= TARGET.rateRatio)},
  };
  if (json) {
    process.stdout.write(`${JSON.stringify(result)}\n`);
    return;
  }
  const f = (n: number) => n.toFixed(0);
  process.stdout.write(
    [
      `bonnie intercept serve: ${deliveries} LMTP deliveries per phase, ${rounds} round(s), capture by bonnie dealer --listen${control ? ", CONTROL (b: a warrant on carol, nothing intercepted)" : ""}`,
      `event -> handover (ms)  n      p50    p99    max    target`,
      `IRI (HI2)               ${String(iri.n).padEnd(6)} ${f(iri.p50).padEnd(6)} ${f(iri.p99).padEnd(6)} ${f(iri.max).padEnd(6)} p99 <= ${TARGET.iriP99Ms}: ${result.verdicts.iriP99}`,
      `CC  (HI3)               ${String(cc.n).padEnd(6)} ${f(cc.p50).padEnd(6)} ${f(cc.p99).padEnd(6)} ${f(cc.max).padEnd(6)} p99 <= ${TARGET.ccP99Ms}: ${result.verdicts.ccP99}`,
      `LMTP deliveries/s       without ${rates.a.map((r) => r.toFixed(1)).join(', ')} (median ${rate.a.toFixed(1)}); with ${rates.b.map((r) => r.toFixed(1)).join(', ')} (median ${rate.b.toFixed(1)})`,
      `serve CPU per delivery  without ${serveCpu.a.map((c) => c.toFixed(2)).join(', ')} ms; with ${serveCpu.b.map((c) => c.toFixed(2)).join(', ')} ms (mapping, spool, encoding, queue, TCP)`,
      `agency CPU per delivery ${receiverCpu.map((c) => c.toFixed(2)).join(", ")} ms (the receivers, in the b phases: another machine in real life)`,
      ...perRound.map((r) => `round ${String(r.round).padEnd(3)} capture p50/p99/max ${f(r.capture.p50)}/${f(r.capture.p99)}/${f(r.capture.max)} ms; IRI p50/p99/max ${f(r.iri.p50)}/${f(r.iri.p99)}/${f(r.iri.max)} ms`),
      `ratio with/without      per round ${ratios.map((r) => r.toFixed(3)).join(', ')}; median ${ratio.toFixed(3)} (target >= ${TARGET.rateRatio}: ${result.verdicts.rate})`,
      '',
    ].join('\n') + profileText,
  );
}

main().catch((error: unknown) => {
  process.stderr.write(`bench/intercept.ts: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
