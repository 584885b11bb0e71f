#!/usr/bin/env node
/**
 * Benchmark: what mapping and BER-encoding interception records costs (issue 16), against baselines of the
 * same run, so that the handover's latency targets (IRI p99 <= 2 s, CC p99 <= 5 s) can be judged apart from
 * the network and the queue. In rotating order:
 *   a. JSON.parse of a real Cyrus MessageNew notification                 (baseline for the mapping)
 *   b. parseNotification + mapEvent of the same notification (dist/)      (event -> IRI + CC records)
 *   c. JSON.stringify of the IRI record                                   (baseline for the IRI encoding)
 *   d. encodePsPdu of the IRI record (asn1js, dist/)
 *   e. Buffer.from copy of a message of --size bytes                      (baseline for the CC encoding)
 *   f. encodePsPdu of the CC record carrying that message
 * and prints the time per operation and each one's ratio to its baseline. Reports, never gates.
 *
 * Usage: node bench/intercept-encode.js [--count N] [--size BYTES] [--rounds N] [--json]   (run `npm run build` first)
 */
import {existsSync} from 'node:fs';
import {dirname, join} from 'node:path';
import {fileURLToPath, pathToFileURL} from 'node:url';

const ROOT = dirname(dirname(fileURLToPath(import.meta.url)));
const RECORDS = join(ROOT, 'dist', 'lib', 'pipeline', 'intercept', 'handover', 'records.js');
const EVENTS = join(ROOT, 'dist', 'lib', 'core', 'event', 'index.js');

const USAGE = `usage: node bench/intercept-encode.js [--count N] [--size BYTES] [--rounds N] [--json]
  --count N     operations per measured round (default 20000; CC encodings: count / 100)
  --size BYTES  the CC's message size (default 1048576)
  --rounds N    measured rounds, order rotating (default 5); medians are shown
  --json        one JSON object (type "benchmark", name "intercept-encode")
`;

function parseArgs(argv) {
  const options = {count: 20_000, size: 1_048_576, rounds: 5, json: false};
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--json') options.json = true;
    else if (arg === '--count' || arg === '--size' || arg === '--rounds') {
      const value = Number(argv[++i]);
      if (!Number.isInteger(value) || value < 1) {
        process.stderr.write(`${arg} needs a whole number >= 1\n${USAGE}`);
        process.exit(2);
      }
      options[arg.slice(2)] = value;
    } else {
      process.stderr.write(`unknown option ${arg}\n${USAGE}`);
      process.exit(2);
    }
  }
  return options;
}

// A real Cyrus 3.6 MessageNew (../shared/cyrus/specimens/65-MessageNew.json).
const NOTIFICATION = JSON.stringify({
  event: 'MessageNew', timestamp: '2026-11-22T11:54:16.437Z', service: 'lmtp', mailboxID: '76yzkoa5vpplgcimbgeofaee',
  uri: 'imap://imap.lab.test/user.alice;UIDVALIDITY=1795348438/;UID=5', modseq: 21, messages: 2, 'vnd.cmu.unseenMessages': 2, uidnext: 6,
  'vnd.cmu.midset': ['<Delivered-via-LMTP-1795348456401@example.org>'], pid: 16372, user: 'alice', messageSize: 545,
  'vnd.cmu.mbtype': 'e', serverFQDN: 'imap.lab.test', 'vnd.cmu.mailboxACL': 'alice\tlrswipkxtecdan\t',
  'vnd.cmu.envelope': '("Sun, 22 Nov 2026 11:54:16 -0000" "Delivered via LMTP" ((NIL NIL "carol" "example.org")) ((NIL NIL "carol" "example.org")) ((NIL NIL "carol" "example.org")) ((NIL NIL "alice" "imap.lab.test")) NIL NIL NIL "<Delivered-via-LMTP-1795348456401@example.org>")',
  'vnd.cmu.sessionId': 'cyruslab-1795348456-16372-2-362537514055159032',
});

function time(fn, n) {
  const start = process.hrtime.bigint();
  for (let i = 0; i < n; i++) fn(i);
  return Number(process.hrtime.bigint() - start) / n; // ns per operation
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function main() {
  const options = parseArgs(process.argv.slice(2));
  if (!existsSync(RECORDS)) {
    process.stderr.write(`${RECORDS} is missing: run \`npm run build\` first\n`);
    process.exit(1);
  }
  const {mapEvent, encodePsPdu} = await import(pathToFileURL(RECORDS).href);
  const {parseNotification} = await import(pathToFileURL(EVENTS).href);
  const day = Date.parse('2026-11-22T00:00:00Z');
  const intercepts = [{liid: 'LIID-ALICE', start: day, end: day + 86_400_000, targets: [{given: 'alice', personId: 'login:alice', login: 'alice', addresses: []}]}];
  const header = {liid: 'LIID-ALICE', authCountry: 'DE', deliveryCountry: 'DE', operatorId: 'bench-op', networkElementId: 'imap.lab.test', communicationId: 1, sequenceNumber: 0, timestamp: Date.now()};
  const event = parseNotification(NOTIFICATION);
  if (!event.ok) throw new Error(event.error);
  const [iri, cc] = mapEvent(event.event, intercepts);
  const message = new Uint8Array(options.size).fill(0x61);
  const ccWithContent = {...cc, content: message};
  const ccCount = Math.max(1, Math.floor(options.count / 100));
  let sink = 0;

  const variants = {
    a: () => time(() => { sink += JSON.parse(NOTIFICATION).modseq; }, options.count),
    b: () => time(() => {
      const parsed = parseNotification(NOTIFICATION);
      if (parsed.ok) sink += mapEvent(parsed.event, intercepts).length;
    }, options.count),
    c: () => time(() => { sink += JSON.stringify(iri).length; }, options.count),
    d: () => time((i) => { sink += encodePsPdu({...header, sequenceNumber: i}, iri).length; }, options.count),
    e: () => time(() => { sink += Buffer.from(message).length; }, ccCount),
    f: () => time((i) => { sink += encodePsPdu({...header, sequenceNumber: i}, ccWithContent).length; }, ccCount),
  };
  const keys = Object.keys(variants);
  const results = Object.fromEntries(keys.map((k) => [k, []]));
  for (const k of keys) variants[k](); // warm-up
  for (let round = 0; round < options.rounds; round++) {
    for (let j = 0; j < keys.length; j++) {
      const k = keys[(round + j) % keys.length];
      results[k].push(variants[k]());
    }
  }
  const m = Object.fromEntries(keys.map((k) => [k, median(results[k])]));
  const summary = {
    type: 'benchmark', name: 'intercept-encode', count: options.count, size: options.size, rounds: options.rounds,
    microsecondsPerOp: Object.fromEntries(keys.map((k) => [k, Number((m[k] / 1000).toFixed(2))])),
    ratios: {mapVsJsonParse: Number((m.b / m.a).toFixed(1)), iriVsJsonStringify: Number((m.d / m.c).toFixed(1)), ccVsCopy: Number((m.f / m.e).toFixed(1))},
    sink: sink > 0,
  };
  if (options.json) {
    process.stdout.write(`${JSON.stringify(summary)}\n`);
    return;
  }
  const us = summary.microsecondsPerOp;
  process.stdout.write(`intercept-encode: medians of ${options.rounds} rounds (µs per operation)
  a. JSON.parse of a MessageNew              ${us.a}
  b. parseNotification + mapEvent            ${us.b}   (${summary.ratios.mapVsJsonParse}x a)
  c. JSON.stringify of the IRI record        ${us.c}
  d. encodePsPdu, IRI                        ${us.d}   (${summary.ratios.iriVsJsonStringify}x c)
  e. copy of a ${options.size}-byte message       ${us.e}
  f. encodePsPdu, CC of that message         ${us.f}   (${summary.ratios.ccVsCopy}x e)
`);
}

await main();
