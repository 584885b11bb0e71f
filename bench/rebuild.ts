/**
 * Benchmark: `bonnie rebuild` (issue 19: a 20,000-message archive rebuilt at >= 2,000 msg/s), against a
 * plain read of the same segments in the same run.
 *
 * An archive of N realistic messages (default 20,000; bench/lib/restore-corpus.ts) is written once with the
 * real archive writer, with N MessageNew notifications (one per message, from samples/events/65-MessageNew.json
 * with its UID, times and ids made unique) processed into the record and carried by the segments
 * (writeSegmentRecordNow, what `bonnie collector` runs at its end). Each round (default 3), warm page cache:
 *   a. baseline: every segment walked member by member, every blob and part decompressed and SHA-256 hashed,
 *      every manifest decompressed (the least a rebuild that checks the members must do), msg/s;
 *   b. rebuildCatalog() (dist/, what `bonnie rebuild --no-index` runs): index, notifications and chain,
 *      then `bonnie process` over every notification, into a new catalog;
 *   c. the same with the search index (`bonnie rebuild`).
 * Each rebuild must find N blobs and N notifications or the run fails.
 * Target: median rebuild (b) >= 2,000 msg/s, printed as PASS or MISS (never a failure), with the ratio to a.
 *
 * Usage (after `npm run build`): node --import tsx bench/rebuild.ts [--messages N] [--rounds R] [--json]
 */
import {closeSync, mkdtempSync, openSync, readFileSync, rmSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {performance} from 'node:perf_hooks';
import '../dist/lib/cli/schema.js';
import {openCatalog} from '../dist/lib/base/catalog/catalog.js';
import {Ingester} from '../dist/lib/pipeline/queue/ingest.js';
import {processQueue} from '../dist/lib/pipeline/process/engine.js';
import {rebuildCatalog} from '../dist/lib/pipeline/rebuild/rebuild.js';
import {writeSegmentRecordNow} from '../dist/lib/pipeline/snapshot/segment-record.js';
import {updateSearch} from '../dist/lib/read/search/update.js';
import {BlobDecompressor, hashBlob} from '../dist/lib/store/archive/blob/blob.js';
import {ArchiveWriter} from '../dist/lib/store/archive/store.js';
import {parseMemberName} from '../dist/lib/store/archive/segment/member.js';
import {walkSegment} from '../dist/lib/store/archive/segment/walk.js';
import {listSegmentFiles} from '../dist/lib/store/archive/verify.js';
import {NoDirectory} from '../dist/lib/sources/directory/types.js';
import {makeCorpus} from './lib/restore-corpus.js';

const TARGET_MSG_S = 2_000;
const USAGE = 'usage: node --import tsx bench/rebuild.ts [--messages N] [--rounds R] [--json]\n';

function parseArgs(argv: string[]): {messages: number; rounds: number; json: boolean} {
  const options = {messages: 20_000, rounds: 3, json: false};
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--messages' || arg === '--rounds') {
      const n = Number(argv[++i]);
      if (!Number.isInteger(n) || n < 1) usage(`${arg} needs a whole number`);
      options[arg === '--messages' ? 'messages' : 'rounds'] = n;
    } else if (arg === '--json') options.json = true;
    else usage(`unknown argument ${arg}`);
  }
  return options;
}

function usage(message: string): never {
  process.stderr.write(`${message}\n${USAGE}`);
  process.exit(2);
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] as number;

/** One MessageNew per message: the sample with its UID, modseq, time and ids made unique. */
function notification(sample: Record<string, unknown>, uid: number): Buffer {
  const event = {
    ...sample,
    timestamp: new Date(Date.UTC(2026, 10, 22, 12) + uid * 1000).toISOString(),
    uri: `imap://imap.lab.test/user.alice;UIDVALIDITY=1795348438/;UID=${uid}`,
    modseq: 20 + uid,
    messages: uid,
    uidnext: uid + 1,
    'vnd.cmu.midset': [`<bench-${uid}@example.org>`],
    'vnd.cmu.emailid': `M${uid.toString(16).padStart(24, '0')}`,
  };
  return Buffer.from(`${JSON.stringify(event)}\n`);
}

/**
 * The baseline: every blob and part (archive format 3) of every segment decompressed and hashed, every
 * manifest decompressed. Returns how many messages (blobs and manifests).
 */
function plainRead(archiveDir: string, catalogPath: string): number {
  const decompressor = new BlobDecompressor();
  let blobs = 0;
  for (const path of listSegmentFiles(archiveDir, catalogPath)) {
    const fd = openSync(join(archiveDir, path), 'r');
    try {
      for (const m of walkSegment(fd)) {
        const type = parseMemberName(m.name)?.type;
        if (type === 'manifest') decompressor.decompress(m.data);
        else if (type === 'blob' || type === 'part') hashBlob(decompressor.decompress(m.data));
        if (type === 'blob' || type === 'manifest') blobs++;
      }
    } finally {
      closeSync(fd);
    }
  }
  return blobs;
}

async function main(): Promise<void> {
  const options = parseArgs(process.argv.slice(2));
  const dir = mkdtempSync(join(tmpdir(), 'bonnie-bench-rebuild-'));
  try {
    const archiveDir = join(dir, 'archive');
    const catalogPath = join(dir, 'catalog.db');
    const catalog = openCatalog(catalogPath, {create: true});
    const sample = JSON.parse(readFileSync(new URL('../samples/events/65-MessageNew.json', import.meta.url), 'utf8')) as Record<string, unknown>;
    try {
      const writer = ArchiveWriter.open(catalog, archiveDir, {workers: 2});
      for (const m of makeCorpus(options.messages)) await writer.putAsync(m.bytes);
      await writer.commitAsync();
      writer.close();
      new Ingester(catalog.db).ingest(Array.from({length: options.messages}, (_, i) => ({raw: notification(sample, i + 1), receivedAt: 1_790_000_000_000 + i, source: 'stdin' as const})));
      await processQueue(catalog, new NoDirectory(), {spillDir: join(dir, 'spill'), maxAttempts: 3});
      writeSegmentRecordNow(catalog, archiveDir);
    } finally {
      catalog.close();
    }
    const rounds: Array<{readMs: number; rebuildMs: number; searchMs: number}> = [];
    for (let r = 0; r < options.rounds; r++) {
      let t = performance.now();
      const read = plainRead(archiveDir, catalogPath);
      const readMs = performance.now() - t;
      if (read !== options.messages) throw new Error(`the plain read found ${read} blobs, not ${options.messages}`);
      const times: number[] = [];
      for (const withSearch of [false, true]) {
        t = performance.now();
        const summary = await rebuildCatalog({
          archiveDir,
          catalogPath: join(dir, `rebuilt-${r}-${withSearch ? 'search' : 'plain'}.db`),
          directory: new NoDirectory(),
          spillDir: join(dir, 'spill'),
          maxAttempts: 3,
          finish: withSearch
            ? async (c) => {
                await updateSearch(c, archiveDir);
              }
            : undefined,
        });
        times.push(performance.now() - t);
        if (summary.blobs !== options.messages || summary.notifications !== options.messages) throw new Error(`rebuild found ${summary.blobs} blobs and ${summary.notifications} notifications`);
      }
      rounds.push({readMs, rebuildMs: times[0] as number, searchMs: times[1] as number});
    }
    const rate = (ms: number) => options.messages / (ms / 1000);
    const read = median(rounds.map((r) => rate(r.readMs)));
    const rebuild = median(rounds.map((r) => rate(r.rebuildMs)));
    const search = median(rounds.map((r) => rate(r.searchMs)));
    const verdict = rebuild >= TARGET_MSG_S ? 'PASS' : 'MISS';
    if (options.json) {
      process.stdout.write(`${JSON.stringify({type: 'benchmark', name: 'rebuild', messages: options.messages, rounds, readMsgS: read, rebuildMsgS: rebuild, rebuildWithSearchMsgS: search, ratio: rebuild / read, target: TARGET_MSG_S, verdict})}\n`);
      return;
    }
    process.stdout.write(
      [
        `bench/rebuild: ${options.messages} messages and ${options.messages} MessageNew notifications, ${options.rounds} round(s), medians`,
        `plain read of the segments (decompress + SHA-256): ${read.toFixed(0)} msg/s`,
        `bonnie rebuild --no-index: ${rebuild.toFixed(0)} msg/s (${(rebuild / read).toFixed(2)} x the plain read)`,
        `bonnie rebuild (with the search index): ${search.toFixed(0)} msg/s (${(search / read).toFixed(2)} x)`,
        `target rebuild >= ${TARGET_MSG_S} msg/s: ${verdict}`,
      ].join('\n') + '\n',
    );
  } finally {
    rmSync(dir, {recursive: true, force: true});
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`bench/rebuild failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
