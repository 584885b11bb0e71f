/**
 * Benchmark: lawful interception's latency and its cost to Cyrus (issue 16). One lab (capture by
 * `bonnie dealer --listen`), `bonnie intercept serve` (the built CLI) running throughout, and a receiver on
 * loopback for HI2 and HI3 that stamps each PS-PDU as it arrives. Phases, in rotated order per round:
 *   a. no intercept in force           (the baseline: LMTP deliveries to alice)
 *   b. an intercept on alice           (every delivery gives an IRI e-mail-receive and a CC)
 * Each phase delivers N messages to alice over LMTP, one after the other; the rate is N / time.
 * Latency (b) = when the PDU arrived at the receiver - the event's time as Cyrus stamped it (the PDU's
 * timeStamp), for IRI and CC apart: p50, p99, max. All clocks are this host's.
 *
 * Targets (the issue): IRI p99 <= 2 s, CC p99 <= 5 s; delivery rate of b >= 0.95 x a. PASS or MISS.
 * Every PDU must arrive once, numbered 0.. without gaps: otherwise the results are untrustworthy (exit 1).
 *
 * Needs root, Cyrus (test/harness/install.sh) and `npm run build`. Usage:
 *   node --import tsx bench/intercept.ts [--deliveries N] [--rounds R] [--json]
 */
import {spawn} from 'node:child_process';
import {mkdtempSync, readdirSync, readFileSync, rmSync} from 'node:fs';
import {createServer, type Server} from 'node:net';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {createInterface} from 'node:readline';
import {setTimeout as sleep} from 'node:timers/promises';
import * as asn1js from 'asn1js';
import {decodePsPdu} from '../dist/lib/pipeline/intercept/handover/records.js';
import {startLab} from '../test/harness/lab.js';
import {startListener} from '../test/harness/listener.js';
import {lmtpDeliver, testMessage} from '../test/harness/lmtp.js';
import {REPO} from '../test/harness/lab.js';
import {runCommand} from '../test/harness/process.js';
import {summarizeProfile} from './lib/cpu-profile.js';

const TARGET = {iriP99Ms: 2000, ccP99Ms: 5000, rateRatio: 0.95};
const USAGE = `usage: node --import tsx bench/intercept.ts [--deliveries N] [--rounds R] [--nice N] [--json]
  --deliveries N  LMTP deliveries per phase (default 300)
  --rounds R      rounds of both phases, in rotated order (default 3)
  --json          one JSON object instead of the table
  --profile       a CPU profile of serve (node --cpu-prof): where its time goes, printed after the table
  --nice N        serve's niceness (default: serve's own, 10)
Needs root and \`npm run build\`. Exit status: 0 measured (PASS or MISS), 1 failed, 2 bad usage.`;
/** Bounds a wait: a guard against a hang, never a measure. */
const GUARD_MS = 120_000;

interface Arrival {
  hi: 2 | 3;
  seq: number;
  liid: string;
  latencyMs: number;
}

/**
 * A receiver for one HI. While deliveries run it only keeps each chunk with its arrival time (decoding in
 * this process would take CPU from the LMTP client being timed); {@link splitArrivals} reads them after.
 */
async function receiver(): Promise<{server: Server; port: number; chunks: Array<{at: number; bytes: Buffer}>}> {
  const chunks: Array<{at: number; bytes: Buffer}> = [];
  const server = createServer((socket) => {
    socket.on('error', () => undefined);
    socket.on('data', (bytes: Buffer) => chunks.push({at: Date.now(), bytes}));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {server, port: (server.address() as {port: number}).port, chunks};
}

/** The PDUs in the chunks (one connection: serve keeps it), each arrived when its last byte did. */
function splitArrivals(hi: 2 | 3, chunks: ReadonlyArray<{at: number; bytes: Buffer}>): Arrival[] {
  const out: Arrival[] = [];
  const ends: number[] = [];
  let total = 0;
  for (const c of chunks) ends.push((total += c.bytes.length));
  const all = Buffer.concat(chunks.map((c) => c.bytes));
  let chunk = 0;
  for (let offset = 0; offset < all.length; ) {
    const parsed = asn1js.fromBER(new Uint8Array(all.buffer, all.byteOffset + offset, all.length - offset));
    if (parsed.offset === -1 || parsed.result.error !== '') break;
    const decoded = decodePsPdu(all.subarray(offset, offset + parsed.offset));
    offset += parsed.offset;
    while ((ends[chunk] ?? Number.POSITIVE_INFINITY) < offset) chunk++;
    const at = chunks[chunk]?.at ?? Number.NaN;
    if (decoded.record !== 'keepAlive') out.push({hi, seq: decoded.header.sequenceNumber, liid: decoded.header.liid, latencyMs: at - decoded.header.timestamp});
  }
  return out;
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
  const option = (name: string, fallback: number) => {
    const i = args.indexOf(name);
    if (i === -1) return fallback;
    const value = Number(args[i + 1]);
    if (!Number.isInteger(value) || value < 1) {
      process.stderr.write(USAGE);
      process.exit(2);
    }
    return value;
  };
  const deliveries = option('--deliveries', 300);
  const rounds = option('--rounds', 3);
  const json = args.includes('--json');
  const nice = args.includes('--nice') ? Number(args[args.indexOf('--nice') + 1]) : undefined;
  if (nice !== undefined && !(Number.isInteger(nice) && nice >= 0 && nice <= 19)) {
    process.stderr.write(USAGE);
    process.exit(2);
  }

  const dir = mkdtempSync(join(tmpdir(), 'bonnie-bench-intercept-'));
  const lab = await startLab({notify: 'listen'});
  const listener = await startListener(lab);
  const hi2 = await receiver();
  const hi3 = await receiver();
  const arrivals = () => [...splitArrivals(2, hi2.chunks), ...splitArrivals(3, hi3.chunks)];
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
  let failure: string | undefined;
  try {
    for (const deadline = Date.now() + GUARD_MS; !lines.some((l) => l.type === 'started'); ) {
      if (Date.now() > deadline) throw new Error('intercept serve did not start');
      await sleep(50);
    }
    // Warm-up (not counted): the first deliveries of a fresh lab are faster than the rest.
    await deliverAll(lab, Math.min(100, deliveries), 'warm');
    for (let round = 0; round < rounds; round++) {
      const rate: {a?: number; b?: number} = {};
      for (const phase of round % 2 === 0 ? (['a', 'b'] as const) : (['b', 'a'] as const)) {
        if (phase === 'a') {
          const cpu = cpuMs(serve.pid);
          rate.a = await deliverAll(lab, deliveries, `a${round}`);
          serveCpu.a.push((cpuMs(serve.pid) - cpu) / deliveries);
          rates.a.push(rate.a);
          continue;
        }
        const liid = `BENCH-${round + 1}`;
        await bonnie('intercept', 'add', '--liid', liid, '--agency', 'LAB', '--target', 'alice', '--start', new Date().toISOString(), '--end', new Date(Date.now() + 3_600_000).toISOString(),
          '--hi2', `tcp://127.0.0.1:${hi2.port}`, '--hi3', `tcp://127.0.0.1:${hi3.port}`, '--auth-country', 'DE', '--delivery-country', 'DE');
        // The warrant counts from serve's next round (100 ms).
        await sleep(1000);
        const cpu = cpuMs(serve.pid);
        rate.b = await deliverAll(lab, deliveries, `b${round}`);
        rates.b.push(rate.b);
        const mine = () => arrivals().filter((x) => x.liid === liid);
        for (const deadline = Date.now() + GUARD_MS; mine().length < 2 * deliveries; ) {
          if (Date.now() > deadline) throw new Error(`${liid}: ${mine().length} of ${2 * deliveries} PDUs after ${GUARD_MS} ms`);
          await sleep(100);
        }
        serveCpu.b.push((cpuMs(serve.pid) - cpu) / deliveries);
        for (const hi of [2, 3] as const) {
          const seqs = mine().filter((x) => x.hi === hi).map((x) => x.seq);
          if (seqs.some((s, i) => s !== i)) failure = `${liid} HI${hi}: sequence numbers not 0..${deliveries - 1} in order, once`;
        }
        await bonnie('intercept', 'end', liid, '--reason', 'bench phase over');
      }
      ratios.push((rate.b as number) / (rate.a as number));
    }
  } finally {
    serve.kill('SIGTERM');
    await new Promise((resolve) => serve.on('close', resolve));
    hi2.server.close();
    hi3.server.close();
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
  const all = arrivals();
  const iri = stats(all.filter((x) => x.hi === 2).map((x) => x.latencyMs));
  const cc = stats(all.filter((x) => x.hi === 3).map((x) => x.latencyMs));
  const rate = {a: median(rates.a), b: median(rates.b)};
  // The rate drifts over a run (the machine is shared): each round's b against its own a, then the median.
  const ratio = median(ratios);
  const verdict = (ok: boolean) => (ok ? 'PASS' : 'MISS');
  const result = {
    type: 'benchmark', name: 'intercept', deliveries, rounds, iriLatencyMs: iri, ccLatencyMs: cc, deliveriesPerSecond: {withoutIntercept: rates.a, withIntercept: rates.b, medianWithout: rate.a, medianWith: rate.b, roundRatios: ratios, ratio}, serveCpuMsPerDelivery: serveCpu,
    verdicts: {iriP99: verdict(iri.p99 <= TARGET.iriP99Ms), ccP99: verdict(cc.p99 <= TARGET.ccP99Ms), rate: verdict(ratio >= TARGET.rateRatio)},
  };
  if (json) {
    process.stdout.write(`${JSON.stringify(result)}\n`);
    return;
  }
  const f = (n: number) => n.toFixed(0);
  process.stdout.write(
    [
      `bonnie intercept serve: ${deliveries} LMTP deliveries per phase, ${rounds} round(s), capture by bonnie dealer --listen`,
      `event -> handover (ms)  n      p50    p99    max    target`,
      `IRI (HI2)               ${String(iri.n).padEnd(6)} ${f(iri.p50).padEnd(6)} ${f(iri.p99).padEnd(6)} ${f(iri.max).padEnd(6)} p99 <= ${TARGET.iriP99Ms}: ${result.verdicts.iriP99}`,
      `CC  (HI3)               ${String(cc.n).padEnd(6)} ${f(cc.p50).padEnd(6)} ${f(cc.p99).padEnd(6)} ${f(cc.max).padEnd(6)} p99 <= ${TARGET.ccP99Ms}: ${result.verdicts.ccP99}`,
      `LMTP deliveries/s       without ${rates.a.map((r) => r.toFixed(1)).join(', ')} (median ${rate.a.toFixed(1)}); with ${rates.b.map((r) => r.toFixed(1)).join(', ')} (median ${rate.b.toFixed(1)})`,
      `serve CPU per delivery  without ${serveCpu.a.map((c) => c.toFixed(2)).join(', ')} ms; with ${serveCpu.b.map((c) => c.toFixed(2)).join(', ')} ms (mapping, spool, encoding, queue, TCP)`,
      `ratio with/without      per round ${ratios.map((r) => r.toFixed(3)).join(', ')}; median ${ratio.toFixed(3)} (target >= ${TARGET.rateRatio}: ${result.verdicts.rate})`,
      '',
    ].join('\n') + profileText,
  );
}

main().catch((error: unknown) => {
  process.stderr.write(`bench/intercept.ts: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
