import {readFileSync, readdirSync, statSync, utimesSync, writeFileSync} from 'node:fs';
import {join} from 'node:path';
import {describe, expect, it} from 'vitest';
import {openCatalog} from '../../../../src/lib/base/catalog/catalog.js';
import {drainSpill, listSpill, writeSpill, STALE_TEMP_MS} from '../../../../src/lib/pipeline/capture/spill.js';
import {Ingester} from '../../../../src/lib/pipeline/queue/ingest.js';
import {useTempDirs} from '../../../helpers/tmp.js';

const tempDir = useTempDirs();
const event = (n: number) => Buffer.from(`{"event":"Login","timestamp":"2026-11-22T11:53:${String(n).padStart(2, '0')}.000Z"}\n`);

function setup() {
  const dir = join(tempDir(), 'spill');
  const catalog = openCatalog(':memory:', {create: true});
  return {dir, catalog, ingester: new Ingester(catalog.db)};
}

const rows = (db: ReturnType<typeof openCatalog>['db']) =>
  db.prepare<[], {received_at: number; source: string; spill_file: string}>('SELECT received_at, source, spill_file FROM notification ORDER BY id').all();

describe('spill', () => {
  it('writes a complete, private file named after the delivery', () => {
    const {dir} = setup();
    const file = writeSpill(dir, {raw: event(1), receivedAt: 1795348437098, source: 'notify_external'});
    expect(readFileSync(file).equals(event(1))).toBe(true);
    expect(file).toMatch(/\/1795348437098-\d+-[0-9a-f]{8}\.notify_external\.spill$/);
    expect(statSync(file).mode & 0o777).toBe(0o640);
    expect(readdirSync(dir)).toHaveLength(1);
  });

  it('drains each file into the queue exactly once, keeping receive time and source', () => {
    const {dir, catalog, ingester} = setup();
    writeSpill(dir, {raw: event(1), receivedAt: 1000, source: 'notify_external'});
    writeSpill(dir, {raw: Buffer.concat([event(2), Buffer.from('garbage\n')]), receivedAt: 2000, source: 'stdin'});
    const first = drainSpill(catalog.db, ingester, dir);
    expect(first).toEqual({files: 2, alreadyDrained: 0, queued: 2, duplicates: 0, quarantined: 1});
    expect(rows(catalog.db).map((r) => [r.received_at, r.source])).toEqual([
      [1000, 'notify_external'],
      [2000, 'stdin'],
    ]);
    expect(rows(catalog.db)[0]?.spill_file).toMatch(/\.notify_external\.spill$/);
    expect(listSpill(dir)).toEqual([]);
    expect(drainSpill(catalog.db, ingester, dir).files).toBe(0);
  });

  it('does not queue again a file whose drain committed but was not removed (crash in between)', () => {
    const {dir, catalog, ingester} = setup();
    const file = writeSpill(dir, {raw: event(1), receivedAt: 1000, source: 'stdin'});
    const kept = readFileSync(file);
    drainSpill(catalog.db, ingester, dir);
    writeFileSync(file, kept); // as if the unlink never happened
    expect(drainSpill(catalog.db, ingester, dir)).toMatchObject({files: 0, alreadyDrained: 1, queued: 0});
    expect(catalog.db.prepare('SELECT deliveries FROM notification').get()).toEqual({deliveries: 1});
    expect(listSpill(dir)).toEqual([]);
  });

  it('leaves a fresh temporary file to its writer, and drains a stale one', () => {
    const {dir, catalog, ingester} = setup();
    const file = writeSpill(dir, {raw: event(1), receivedAt: 1000, source: 'stdin'});
    const temp = join(dir, `.${file.split('/').at(-1)}.tmp`.replace('1000-', '1001-'));
    writeFileSync(temp, event(3).subarray(0, 20)); // a writer died mid-write
    expect(drainSpill(catalog.db, ingester, dir)).toMatchObject({files: 1, queued: 1});
    const old = (Date.now() - STALE_TEMP_MS - 1000) / 1000;
    utimesSync(temp, old, old);
    expect(drainSpill(catalog.db, ingester, dir)).toMatchObject({files: 1, queued: 0, quarantined: 1});
    expect(readdirSync(dir)).toEqual([]);
  });
});
