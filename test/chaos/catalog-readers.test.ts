/**
 * Readers that may not write (issue 12): a user of the catalog's group reads while its owner writes. The
 * reader opens read-only; it cannot create or write the -wal and -shm files (0640, owner's), so SQLite
 * reads the WAL without the shared index. The owner commits one event at a time (closing like the dealer
 * and like `bonnie process`, with and without a checkpoint) and batches big enough for SQLite's automatic
 * checkpoint to copy pages into the catalog file under the reader. Every read must succeed and see a
 * consistent catalog: counts never go back, and each count matches the rows it counts. Needs root
 * (useradd, runuser). Bounded: 400 single commits and 3 batches of 1,500; the reader stops when it has
 * seen them all or after 90 s.
 */
import {chmodSync, readFileSync, writeFileSync} from 'node:fs';
import {join} from 'node:path';
import {describe, expect, it} from 'vitest';
import {REPO, SPECIMENS} from '../helpers/paths.js';
import {bonnie} from '../helpers/run.js';
import {isRoot, OWNER, READER, runAs, useSystemUsers} from '../helpers/system-users.js';
import {useTempDirs} from '../helpers/tmp.js';

const tempDir = useTempDirs();
const SINGLES = 400;
const BATCHES = 3;
const BATCH = 1500;
const TOTAL = SINGLES + BATCHES * BATCH;

/** Commits SINGLES events one by one, and a batch of BATCH (~2 KB each) after every SINGLES / (BATCHES + 1). */
const WRITER = `
import ${JSON.stringify(join(REPO, 'dist/lib/cli/schema.js'))};
import {openCatalog} from ${JSON.stringify(join(REPO, 'dist/lib/base/catalog/catalog.js'))};
import {Ingester} from ${JSON.stringify(join(REPO, 'dist/lib/pipeline/queue/ingest.js'))};
const [path, template] = process.argv.slice(2);
const base = JSON.parse(template);
let uid = 0;
const delivery = (pad = '') => ({raw: Buffer.from(JSON.stringify({...base, uri: 'imap://x/user.alice;UIDVALIDITY=1/;UID=' + ++uid, pad})), receivedAt: Date.now(), source: 'stdin'});
for (let i = 0; i < ${SINGLES}; i++) {
  if (i % ${Math.floor(SINGLES / (BATCHES + 1))} === 0 && i > 0) {
    const catalog = openCatalog(path);
    new Ingester(catalog.db).ingest(Array.from({length: ${BATCH}}, () => delivery('x'.repeat(2000))));
    catalog.close();
  }
  const catalog = openCatalog(path, {checkpointOnClose: i % 2 === 0});
  new Ingester(catalog.db).ingest([delivery()]);
  catalog.close();
}
`;

/** Reads until it has seen TOTAL notifications or 90 s passed; prints what it saw as JSON. */
const READER_SCRIPT = `
import ${JSON.stringify(join(REPO, 'dist/lib/cli/schema.js'))};
import {openCatalog} from ${JSON.stringify(join(REPO, 'dist/lib/base/catalog/catalog.js'))};
const [path] = process.argv.slice(2);
const seen = {reads: 0, errors: [], regressions: 0, mismatches: 0, last: 0, checks: 0};
const until = Date.now() + 90_000;
while (seen.last < ${TOTAL} && Date.now() < until) {
  try {
    const catalog = openCatalog(path, {readOnly: true});
    try {
      // One read transaction: the count and the rows it counts must agree.
      const read = catalog.db.transaction(() => ({
        n: catalog.db.prepare('SELECT count(*) AS n FROM notification').get().n,
        max: catalog.db.prepare('SELECT coalesce(max(id), 0) AS m FROM notification').get().m,
        jobs: catalog.db.prepare('SELECT count(*) AS n FROM job').get().n,
      }));
      const {n, max, jobs} = read.deferred();
      if (n < seen.last) seen.regressions++;
      if (n !== max || jobs !== n) seen.mismatches++;
      seen.last = n;
      if (++seen.reads % 25 === 0) {
        seen.checks++;
        const check = catalog.db.pragma('quick_check', {simple: true});
        if (check !== 'ok') seen.errors.push('quick_check: ' + check);
      }
    } finally {
      catalog.close();
    }
  } catch (error) {
    seen.errors.push(String(error.code ?? '') + ' ' + error.message);
    if (seen.errors.length > 20) break;
  }
}
process.stdout.write(JSON.stringify(seen));
`;

describe.skipIf(!isRoot)('a read-only reader while the owner writes', () => {
  useSystemUsers();

  it('reads every time, never a torn or older state, through commits and automatic checkpoints', async () => {
    const dir = tempDir();
    chmodSync(dir, 0o755);
    const catalog = join(dir, 'bonnie', 'catalog.db');
    const init = await bonnie(['init', '--catalog', catalog, '--owner', `${OWNER}:mail`], {env: {BONNIE_CONFIG: '/dev/null'}});
    expect(init.code, init.stderr).toBe(0);
    const writerFile = join(dir, 'writer.mjs');
    const readerFile = join(dir, 'reader.mjs');
    writeFileSync(writerFile, WRITER, {mode: 0o644});
    writeFileSync(readerFile, READER_SCRIPT, {mode: 0o644});
    const template = readFileSync(join(SPECIMENS, '65-MessageNew.json'), 'utf8').trim();

    const [written, read] = await Promise.all([runAs(OWNER, [writerFile, catalog, template]), runAs(READER, [readerFile, catalog])]);
    expect(written.code, written.stderr).toBe(0);
    expect(read.code, read.stderr).toBe(0);
    const seen = JSON.parse(read.stdout) as {reads: number; errors: string[]; regressions: number; mismatches: number; last: number; checks: number};
    expect(seen.errors).toEqual([]);
    expect(seen.regressions).toBe(0);
    expect(seen.mismatches).toBe(0);
    expect(seen.last).toBe(TOTAL);
    expect(seen.reads).toBeGreaterThan(10); // it read while the writer wrote, or the test proves nothing
  }, 300_000);
});
