/**
 * Benchmark: segment repacking of `bonnie prune --plan` (issue 17: >= 200 MB/s), against `cp` of the same
 * segment files in the same run.
 *
 * An archive of N realistic messages (default 20,000; bench/lib/restore-corpus.ts: log-normal sizes around
 * 10 KB, a third with incompressible attachments) is written once with the real archive writer (64 MiB
 * segments). Every tenth message is the prune: spread over the archive, so every segment is repacked.
 * Each round (default 3), on the same file system, warm page cache for both:
 *   a. `cp -r --reflink=never` of the segments folder to a new folder, then `sync` of the copies: the
 *      baseline, bytes copied per second;
 *   b. repackSegments() (dist/, what `bonnie prune --plan` runs) on that copy, with a copy of the catalog:
 *      kept members copied into new segments, sealed, fsynced, then read back (each copied run re-hashed
 *      against the bytes read, each member's header checked). MB/s = bytes of the old segments / its time;
 *   c. the same with `verify: 'content'` (`--read-data`: every kept blob also decompressed and re-hashed),
 *      on a second copy of the catalog (the old segments are read again: untouched until a commit).
 * After each repack the new segments must hold exactly the kept blobs (count and bytes) or the run fails.
 * Target: median repack MB/s >= 200, printed as PASS or MISS (never a failure), with the ratio to cp.
 *
 * Usage (after `npm run build`): node --import tsx bench/prune.ts [--messages N] [--rounds R] [--json]
 * Exit status: 0 measured (PASS or MISS), 1 failed, 2 bad usage.
 */
import {spawnSync} from 'node:child_process';
import {copyFileSync, mkdtempSync, readdirSync, rmSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {performance} from 'node:perf_hooks';
import '../dist/lib/cli/schema.js';
import {openCatalog} from '../dist/lib/base/catalog/catalog.js';
import {ArchiveWriter} from '../dist/lib/store/archive/store.js';
import {repackSegments} from '../dist/lib/store/archive/repack.js';
import {makeCorpus} from './lib/restore-corpus.js';

const TARGET_MB_S = 200;
const DEFAULT_MESSAGES = 20_000;
const DEFAULT_ROUNDS = 3;
const PRUNE_EVERY = 10;
const MB = 1_000_000;

const USAGE = `usage: node --import tsx bench/prune.ts [--messages N] [--rounds R] [--json]
Segment repacking (bonnie prune --plan) against cp of the same segments.
  --messages N  messages in the archive (default ${DEFAULT_MESSAGES}); every ${PRUNE_EVERY}th is pruned
  --rounds R    rounds (default ${DEFAULT_ROUNDS}), medians
  --json        print one JSON object (type "benchmark", name "prune") instead of the table
Needs \`npm run build\`. Exit status: 0 measured (PASS or MISS), 1 failed, 2 bad usage.
`;

interface Round {
  cpMs: number;
  repackMs: number;
  bytes: number;
  cpMBs: number;
  repackMBs: number;
  ratio: number;
  /** The same repack with `verify: 'content'` (bonnie prune --plan --read-data). */
  contentMs: number;
  contentMBs: number;
}

function parseArgs(argv: string[]): {messages: number; rounds: number; json: boolean} {
  const options = {messages: DEFAULT_MESSAGES, rounds: DEFAULT_ROUNDS, json: false};
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const count = () => {
      const n = Number(argv[++i]);
      if (!Number.isInteger(n) || n < 1) usage(`${arg} needs a whole number`);
      return n;
    };
    if (arg === '--messages') options.messages = count();
    else if (arg === '--rounds') options.rounds = count();
    else if (arg === '--json') options.json = true;
    else if (arg === '--help') {
      process.stdout.write(USAGE);
      process.exit(0);
    } else usage(`unknown argument ${arg}`);
  }
  return options;
}

function usage(message: string): never {
  process.stderr.write(`${message}\n${USAGE}`);
  process.exit(2);
}

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
};

async function main(): Promise<void> {
  const options = parseArgs(process.argv.slice(2));
  const dir = mkdtempSync(join(tmpdir(), 'bonnie-bench-prune-'));
  try {
    // The archive, once.
    const template = join(dir, 'template');
    const catalog = openCatalog(join(template, 'catalog.db'), {create: true});
    const ids: Buffer[] = [];
    let originalBytes = 0;
    try {
      const writer = ArchiveWriter.open(catalog, join(template, 'archive'), {workers: 2});
      for (const m of makeCorpus(options.messages)) {
        originalBytes += m.bytes.length;
        ids.push((await writer.putAsync(m.bytes)).id);
      }
      await writer.commitAsync();
      writer.close();
    } finally {
      catalog.close();
    }
    const drop = [...new Map(ids.map((id) => [id.toString('hex'), id])).values()].filter((_, i) => i % PRUNE_EVERY === PRUNE_EVERY - 1);
    const segments = readdirSync(join(template, 'archive', 'segments'), {recursive: true}).filter((f) => String(f).endsWith('.tar')).length;

    const rounds: Round[] = [];
    for (let r = 0; r < options.rounds; r++) {
      const copy = join(dir, `round-${r}`);
      rmSync(copy, {recursive: true, force: true});
      spawnSync('mkdir', ['-p', join(copy, 'archive')]);
      const started = performance.now();
      const cp = spawnSync('sh', ['-c', 'cp -r --reflink=never "$1" "$2" && sync "$2"/*/*.tar', 'cp', join(template, 'archive', 'segments'), join(copy, 'archive', 'segments')]);
      const cpMs = performance.now() - started;
      if (cp.status !== 0) throw new Error(`cp failed: ${cp.stderr.toString()}`);
      copyFileSync(join(template, 'catalog.db'), join(copy, 'catalog.db'));
      copyFileSync(join(template, 'catalog.db'), join(copy, 'catalog-content.db'));
      const roundCatalog = openCatalog(join(copy, 'catalog.db'));
      const contentCatalog = openCatalog(join(copy, 'catalog-content.db'));
      try {
        const t0 = performance.now();
        const repack = repackSegments(roundCatalog, join(copy, 'archive'), drop);
        const repackMs = performance.now() - t0;
        const t1 = performance.now();
        repackSegments(contentCatalog, join(copy, 'archive'), drop, {verify: 'content'});
        const contentMs = performance.now() - t1;
        const kept = repack.moved.length;
        if (kept + repack.dropped.length !== ids.length - (ids.length - new Set(ids.map((id) => id.toString('hex'))).size) || repack.retired.length !== segments) {
          throw new Error(`repack wrote ${kept} blobs and dropped ${repack.dropped.length} of ${ids.length}, from ${repack.retired.length} of ${segments} segments`);
        }
        const bytes = repack.bytesBefore;
        rounds.push({cpMs, repackMs, bytes, cpMBs: bytes / MB / (cpMs / 1000), repackMBs: bytes / MB / (repackMs / 1000), ratio: cpMs / repackMs, contentMs, contentMBs: bytes / MB / (contentMs / 1000)});
      } finally {
        roundCatalog.close();
        contentCatalog.close();
      }
      rmSync(copy, {recursive: true, force: true});
    }
    const repackMBs = median(rounds.map((r) => r.repackMBs));
    const cpMBs = median(rounds.map((r) => r.cpMBs));
    const verdict = repackMBs >= TARGET_MB_S ? 'PASS' : 'MISS';
    const figures = {type: 'benchmark', name: 'prune', messages: options.messages, originalBytes, segments, segmentBytes: rounds[0]?.bytes ?? 0, pruned: drop.length, rounds, medianRepackMBs: repackMBs, medianCpMBs: cpMBs, repackToCp: repackMBs / cpMBs, target: TARGET_MB_S, verdict};
    if (options.json) {
      process.stdout.write(`${JSON.stringify(figures)}\n`);
      return;
    }
    const lines = [
      `bench/prune: ${options.messages} messages (${(originalBytes / MB).toFixed(1)} MB as received) in ${segments} segments of ${((rounds[0]?.bytes ?? 0) / MB).toFixed(1)} MB; every ${PRUNE_EVERY}th pruned (${drop.length}): every segment repacked`,
      'round  cp (+sync)            repack (copy, fsync, read back)   repack/cp   --read-data (+ decompress, re-hash)',
      ...rounds.map(
        (r, i) =>
          `${String(i + 1).padStart(5)}  ${r.cpMBs.toFixed(0).padStart(5)} MB/s ${r.cpMs.toFixed(0).padStart(6)} ms   ${r.repackMBs.toFixed(0).padStart(5)} MB/s ${r.repackMs.toFixed(0).padStart(6)} ms        ${(r.repackMBs / r.cpMBs).toFixed(2)}   ${r.contentMBs.toFixed(0).padStart(5)} MB/s ${r.contentMs.toFixed(0).padStart(6)} ms`,
      ),
      `median: repack ${repackMBs.toFixed(0)} MB/s, cp ${cpMBs.toFixed(0)} MB/s (repack/cp ${(repackMBs / cpMBs).toFixed(2)}), with --read-data ${median(rounds.map((r) => r.contentMBs)).toFixed(0)} MB/s; target repack >= ${TARGET_MB_S} MB/s: ${verdict}`,
    ];
    process.stdout.write(`${lines.join('\n')}\n`);
  } finally {
    rmSync(dir, {recursive: true, force: true});
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`bench/prune failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
