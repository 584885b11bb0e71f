#!/usr/bin/env node
/**
 * Benchmark: how fast `bonnie maillog` reads an MTA log, parsing alone and into the catalog (issue 18). It writes a
 * mixed syslog file (Postfix smtpd/cleanup/qmgr/smtp/lmtp/bounce, Exim through syslog, Cyrus lmtpd, and
 * noise from cron and sshd), then times, in rotating order:
 *   a. `wc -l` on the file                                        (baseline: reading the bytes at all)
 *   b. node: an fs stream split on \n, every line through parseMaillogLine (dist/lib/sources/maillog/parse.js)
 *   c. what `bonnie maillog FILE` runs (readMaillogs from dist/, into a new catalog file): read, parse and
 *      store, in batches of 20,000 lines per transaction
 * and prints lines/s of each, b's time over a's, and b's peak RSS. The figures are ratios to a baseline of the
 * same run: the machine is shared and noisy, so absolute rates say little. Reports, never gates.
 *
 * Usage: node bench/maillog.js [--lines N] [--rounds N] [--json]        (run `npm run build` first)
 */
import {spawnSync} from 'node:child_process';
import {appendFileSync, existsSync, mkdtempSync, rmSync, statSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {dirname, join} from 'node:path';
import {fileURLToPath} from 'node:url';

const ROOT = dirname(dirname(fileURLToPath(import.meta.url)));
const PARSER = join(ROOT, 'dist', 'lib', 'sources', 'maillog', 'parse.js');
const DEFAULT_LINES = 500_000;
const DEFAULT_ROUNDS = 3;

const USAGE = `usage: node bench/maillog.js [--lines N] [--rounds N] [--json]
Reads a generated mixed MTA log with parseMaillogLine (dist/) and compares it with \`wc -l\` on the same file.
  --lines N    lines to generate (default ${DEFAULT_LINES})
  --rounds N   measured rounds of each variant, order rotating (default ${DEFAULT_ROUNDS}); medians are shown
  --json       one JSON object (type "benchmark", name "maillog") instead of the table
`;

function parseArgs(argv) {
  const options = {lines: DEFAULT_LINES, rounds: DEFAULT_ROUNDS, json: false};
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--json') options.json = true;
    else if (arg === '--lines' || arg === '--rounds') {
      const value = Number(argv[++i]);
      if (!Number.isInteger(value) || value < 1) { process.stderr.write(`${arg} needs a whole number >= 1\n${USAGE}`); process.exit(2); }
      options[arg.slice(2)] = value;
    } else if (arg === '--help' || arg === '-h') { process.stdout.write(USAGE); process.exit(0); }
    else { process.stderr.write(`unknown argument "${arg}"\n${USAGE}`); process.exit(2); }
  }
  return options;
}

/**
 * A deterministic pseudo-random sequence (mulberry32), so that every run parses the same file. (A plain LCG
 * repeated its low bits: its "unique" queue IDs came back every ~900 messages, which no MTA does.)
 */
function lcg(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  };
}

const HEX = '0123456789ABCDEF';
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** The lines one message leaves on a Postfix relay and a Cyrus host, plus noise; shapes as in the tests. */
function generate(path, count) {
  const random = lcg(18);
  const pick = (n) => Math.floor(random() * n);
  const qid = () => Array.from({length: 10}, () => HEX[pick(16)]).join('');
  const eximId = () => `1t${String.fromCharCode(65 + pick(26))}abc-${String(pick(1e6)).padStart(6, '0')}-AB`;
  let t = Date.UTC(2026, 11, 1);
  const chunks = [];
  let lines = 0;
  const stamp = () => {
    t += pick(400);
    const d = new Date(t);
    const pad = (n) => String(n).padStart(2, '0');
    return `${MONTHS[d.getUTCMonth()]} ${String(d.getUTCDate()).padStart(2, ' ')} ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}`;
  };
  writeFileSync(path, '');
  // Written in slices: a 1 GB file (--lines 8000000) never sits in memory whole.
  const push = (line) => {
    chunks.push(line);
    lines++;
    if (chunks.length === 100_000) appendFileSync(path, `${chunks.splice(0).join('\n')}\n`);
  };
  while (lines < count) {
    const r = random();
    const id = qid();
    const user = `user${pick(5000)}`;
    if (r < 0.6) {
      const next = qid();
      const msgid = `<${t}.${id}@mail${pick(50)}.example.org>`;
      push(`${stamp()} mx1 postfix/smtpd[${pick(30000)}]: connect from mail${pick(50)}.example.org[192.0.2.${pick(255)}]`);
      push(`${stamp()} mx1 postfix/smtpd[${pick(30000)}]: ${id}: client=mail${pick(50)}.example.org[192.0.2.${pick(255)}]`);
      push(`${stamp()} mx1 postfix/cleanup[${pick(30000)}]: ${id}: message-id=${msgid}`);
      push(`${stamp()} mx1 postfix/qmgr[812]: ${id}: from=<sender${pick(900)}@example.org>, size=${pick(200000)}, nrcpt=1 (queue active)`);
      push(`${stamp()} mx1 postfix/smtp[${pick(30000)}]: ${id}: to=<${user}@example.com>, relay=imap.example.com[198.51.100.10]:25, delay=0.${pick(99)}, delays=0.1/0/0.1/0.2, dsn=2.0.0, status=sent (250 2.0.0 Ok: queued as ${next})`);
      push(`${stamp()} mx1 postfix/smtpd[${pick(30000)}]: disconnect from mail${pick(50)}.example.org[192.0.2.${pick(255)}] ehlo=1 mail=1 rcpt=1 data=1 quit=1 commands=5`);
      push(`${stamp()} mx1 postfix/qmgr[812]: ${id}: removed`);
      push(`${stamp()} imap postfix/lmtp[${pick(30000)}]: ${next}: to=<${user}@example.com>, relay=imap.example.com[/run/cyrus/socket/lmtp], delay=0.06, delays=0.01/0/0.01/0.04, dsn=2.1.5, status=sent (250 2.1.5 Ok SESSIONID=<cyrus-${pick(99999)}-1796657231-1-${pick(1e9)}>)`);
      push(`${stamp()} imap cyrus/lmtp[${pick(30000)}]: Delivered: ${msgid} to mailbox: user.${user}`);
    } else if (r < 0.75) {
      const e = eximId();
      push(`${stamp()} mx2 exim[${pick(30000)}]: 2026-12-07 15:27:11 ${e} <= a${pick(900)}@example.net H=mail.example.net [203.0.113.${pick(255)}] P=esmtps S=${pick(90000)} id=${t}@example.net`);
      push(`${stamp()} mx2 exim[${pick(30000)}]: 2026-12-07 15:27:11 ${e} => ${user}@example.com R=dnslookup T=remote_smtp H=mx1.example.com [198.51.100.1] C="250 2.0.0 Ok: queued as ${qid()}"`);
      push(`${stamp()} mx2 exim[${pick(30000)}]: 2026-12-07 15:27:11 ${e} Completed`);
    } else if (r < 0.85) {
      push(`${stamp()} mx1 postfix/smtpd[${pick(30000)}]: NOQUEUE: reject: RCPT from unknown[192.0.2.${pick(255)}]: 550 5.1.1 <${user}@example.com>: Recipient address rejected: User unknown in virtual mailbox table; from=<spam@example.biz> to=<${user}@example.com> proto=ESMTP helo=<x>`);
      push(`${stamp()} mx1 postfix/smtpd[${pick(30000)}]: warning: hostname x.example.biz does not resolve to address 192.0.2.${pick(255)}`);
    } else {
      push(`${stamp()} mx1 CRON[${pick(30000)}]: (root) CMD (command -v debian-sa1 > /dev/null && debian-sa1 1 1)`);
      push(`${stamp()} mx1 sshd[${pick(30000)}]: Connection closed by 203.0.113.${pick(255)} port ${pick(65535)} [preauth]`);
      push(`${stamp()} mx1 systemd[1]: Starting Clean php session files...`);
    }
  }
  // The last message may overshoot `count` by a few lines: they are kept (every variant reads the same file).
  if (chunks.length > 0) appendFileSync(path, `${chunks.join('\n')}\n`);
  return lines;
}

/** Child b: stream, split on \n, parse; prints its counts and peak RSS. Run as its own process: RSS is its own. */
const CHILD = `
const {createReadStream} = await import('node:fs');
const {parseMaillogLine} = await import(process.argv[2]);
const context = {referenceTime: Date.UTC(2026, 11, 31), defaultHost: 'mx'};
const counts = {records: 0, ignored: 0, unknown: 0};
let rest = '';
const take = (line) => {
  const r = parseMaillogLine(line, context);
  if (r === 'ignored') counts.ignored++; else if (r === 'unknown') counts.unknown++; else counts.records++;
};
const start = process.hrtime.bigint();
for await (const chunk of createReadStream(process.argv[1], {encoding: 'utf8', highWaterMark: 1 << 20})) {
  let from = 0;
  let nl = chunk.indexOf('\\n');
  if (nl >= 0 && rest !== '') { take(rest + chunk.slice(0, nl)); rest = ''; from = nl + 1; nl = chunk.indexOf('\\n', from); }
  while (nl >= 0) { take(chunk.slice(from, nl)); from = nl + 1; nl = chunk.indexOf('\\n', from); }
  rest += chunk.slice(from);
}
if (rest !== '') take(rest);
const ms = Number(process.hrtime.bigint() - start) / 1e6;
process.stdout.write(JSON.stringify({ms, ...counts, maxRssKiB: process.resourceUsage().maxRSS}));
`;

/** Child c: readMaillogs into a new catalog; prints its counts and peak RSS. */
const STORE_CHILD = `
const dist = process.argv[2];
await import(dist + '/lib/cli/schema.js');
const {openCatalog} = await import(dist + '/lib/base/catalog/catalog.js');
const {readMaillogs} = await import(dist + '/lib/pipeline/maillog/ingest.js');
const catalog = openCatalog(process.argv[3], {create: true});
const start = process.hrtime.bigint();
const result = await readMaillogs(catalog.db, [process.argv[1]], {host: 'mx'});
const ms = Number(process.hrtime.bigint() - start) / 1e6;
catalog.close();
process.stdout.write(JSON.stringify({ms, records: result.records, ignored: result.ignored, unknown: result.unknown, stored: result.stored, maxRssKiB: process.resourceUsage().maxRSS}));
`;

function timeStore(file, dir, round) {
  const catalog = join(dir, `catalog-${round}.db`);
  const start = process.hrtime.bigint();
  const result = spawnSync(process.execPath, ['--input-type=module', '-e', STORE_CHILD, file, join(ROOT, 'dist'), catalog], {encoding: 'utf8'});
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  if (result.status !== 0) throw new Error(`the storing child failed: ${result.stderr}`);
  for (const suffix of ['', '-wal', '-shm']) rmSync(`${catalog}${suffix}`, {force: true});
  const child = JSON.parse(result.stdout);
  return {...child, ms, loopMs: child.ms};
}

function timeWc(file) {
  const start = process.hrtime.bigint();
  const result = spawnSync('wc', ['-l', file], {encoding: 'utf8'});
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  if (result.status !== 0) throw new Error(`wc -l failed: ${result.stderr}`);
  return {ms, lines: Number(result.stdout.trim().split(/\s+/)[0])};
}

function timeNode(file) {
  const start = process.hrtime.bigint();
  const result = spawnSync(process.execPath, ['--input-type=module', '-e', CHILD, file, PARSER], {encoding: 'utf8'});
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  if (result.status !== 0) throw new Error(`the parsing child failed: ${result.stderr}`);
  const child = JSON.parse(result.stdout);
  return {...child, ms, loopMs: child.ms};
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)];

function main() {
  const options = parseArgs(process.argv.slice(2));
  if (!existsSync(PARSER)) { process.stderr.write(`bench/maillog.js: ${PARSER} missing; run \`npm run build\` first\n`); process.exit(1); }
  const dir = mkdtempSync(join(tmpdir(), 'bonnie-bench-maillog-'));
  try {
    const file = join(dir, 'mail.log');
    const lines = generate(file, options.lines);
    const bytes = statSync(file).size;
    const wc = [];
    const node = [];
    const store = [];
    timeWc(file); // warm the page cache: every variant then reads from memory
    for (let round = 0; round < options.rounds; round++) {
      const order = [() => wc.push(timeWc(file)), () => node.push(timeNode(file)), () => store.push(timeStore(file, dir, round))];
      for (let i = 0; i < order.length; i++) order[(i + round) % order.length]();
    }
    if (wc.some((run) => run.lines !== lines)) throw new Error('wc -l counted other lines than were written');
    const last = node.at(-1);
    if (last.records + last.ignored + last.unknown !== lines) throw new Error('the parser saw other lines than were written');
    const wcMs = median(wc.map((run) => run.ms));
    const nodeMs = median(node.map((run) => run.ms));
    const loopMs = median(node.map((run) => run.loopMs));
    const storeMs = median(store.map((run) => run.ms));
    if (store.some((run) => run.unknown !== last.unknown || run.records !== last.records)) throw new Error('storing saw other lines than parsing');
    // b's wall time includes Node's start-up and module loading, as `bonnie maillog` pays them; loopMs is the
    // child's own stream + split + parse loop: what the parser costs.
    const report = {
      type: 'benchmark', name: 'maillog', lines, bytes, rounds: options.rounds,
      wc: {ms: wcMs, linesPerSecond: lines / (wcMs / 1000), samples: wc.map((run) => run.ms)},
      node: {ms: nodeMs, linesPerSecond: lines / (nodeMs / 1000), samples: node.map((run) => run.ms), loopMs, loopLinesPerSecond: lines / (loopMs / 1000)},
      ratio: nodeMs / wcMs,
      store: {ms: storeMs, linesPerSecond: lines / (storeMs / 1000), samples: store.map((run) => run.ms), ratio: storeMs / wcMs, maxRssMiB: Math.max(...store.map((run) => run.maxRssKiB)) / 1024, stored: store.at(-1).stored},
      maxRssMiB: Math.max(...node.map((run) => run.maxRssKiB)) / 1024,
      counts: {records: last.records, ignored: last.ignored, unknown: last.unknown},
    };
    if (options.json) { process.stdout.write(`${JSON.stringify(report)}\n`); return; }
    const fmt = (n) => Math.round(n).toLocaleString('en');
    process.stdout.write(`maillog: ${fmt(lines)} lines, ${(bytes / 1024 / 1024).toFixed(1)} MiB; medians of ${options.rounds} rounds\n`);
    process.stdout.write(`  a  wc -l                          ${fmt(wcMs).padStart(7)} ms  ${fmt(report.wc.linesPerSecond).padStart(12)} lines/s\n`);
    process.stdout.write(`  b  node stream + parseMaillogLine ${fmt(nodeMs).padStart(7)} ms  ${fmt(report.node.linesPerSecond).padStart(12)} lines/s  (${report.ratio.toFixed(1)}x a; peak RSS ${report.maxRssMiB.toFixed(0)} MiB)\n`);
    process.stdout.write(`     of which the loop (stream, split, parse) ${fmt(loopMs)} ms: ${fmt(report.node.loopLinesPerSecond)} lines/s\n`);
    process.stdout.write(`  c  bonnie maillog (into a catalog) ${fmt(storeMs).padStart(7)} ms  ${fmt(report.store.linesPerSecond).padStart(12)} lines/s  (${report.store.ratio.toFixed(1)}x a; peak RSS ${report.store.maxRssMiB.toFixed(0)} MiB)\n`);
    process.stdout.write(`  b's lines: ${fmt(last.records)} records, ${fmt(last.ignored)} ignored, ${fmt(last.unknown)} unknown\n`);
  } finally {
    rmSync(dir, {recursive: true, force: true});
  }
}

main();
