/** `bonnie verify` as an administrator runs it on an archive that is whole, then on one that was damaged. */
import {openSync, readSync, writeSync, closeSync} from 'node:fs';
import {join} from 'node:path';
import {describe, expect, it} from 'vitest';
import {ArchiveWriter} from '../../src/lib/archive/store.js';
import {openCatalog} from '../../src/lib/catalog/catalog.js';
import {queryCatalog} from '../helpers/catalog.js';
import {bonnie} from '../helpers/run.js';
import {useTempDirs} from '../helpers/tmp.js';
import {makeMail} from '../lib/archive/mail.js';

const tempDir = useTempDirs();
const env = {BONNIE_CONFIG: '/dev/null'};

function archiveOf(dir: string, count: number): {catalog: string; archive: string; ids: string[]} {
  const catalogPath = join(dir, 'catalog.db');
  const archive = join(dir, 'archive');
  const catalog = openCatalog(catalogPath, {create: true});
  const writer = ArchiveWriter.open(catalog, archive);
  const ids = Array.from({length: count}, (_, i) => Buffer.from(writer.put(makeMail(`verify-${i}`, 20_000)).id).toString('hex'));
  writer.close();
  catalog.close();
  return {catalog: catalogPath, archive, ids};
}

describe('bonnie verify', () => {
  it('says a whole archive and record are sound (exit 0)', async () => {
    const {catalog, archive} = archiveOf(tempDir(), 5);
    const ran = await bonnie(['verify', '--read-data', '--catalog', catalog, '--archive', archive, '--json'], {env});
    expect(ran.code, ran.stderr).toBe(0);
    expect(JSON.parse(ran.stdout)).toMatchObject({sound: true, events: {checked: 0, firstProblem: null}, archive: {segments: 1, blobs: 5, blobsRead: 5, problems: []}});
  });

  it('names the damaged message and exits 5 when a byte of the archive was flipped', async () => {
    const {catalog, archive, ids} = archiveOf(tempDir(), 5);
    const [row] = queryCatalog<{path: string; data_offset: number}>(catalog, 'SELECT s.path, b.data_offset FROM blob b JOIN segment s ON s.id = b.segment_id WHERE b.sha256 = ?', Buffer.from(ids[2] as string, 'hex'));
    const fd = openSync(join(archive, (row as {path: string}).path), 'r+');
    const byte = Buffer.alloc(1);
    readSync(fd, byte, 0, 1, (row as {data_offset: number}).data_offset + 100);
    writeSync(fd, Buffer.of(byte[0] as number ^ 0xff), 0, 1, (row as {data_offset: number}).data_offset + 100);
    closeSync(fd);

    const structure = await bonnie(['verify', '--segments', '--catalog', catalog, '--archive', archive], {env});
    expect(structure.code).toBe(0); // the tar structure is intact: only reading the data finds it
    const ran = await bonnie(['verify', '--read-data', '--catalog', catalog, '--archive', archive], {env});
    expect(ran.code).toBe(5);
    expect(ran.stdout).toContain('PROBLEM BlobCorrupt');
    expect(ran.stdout).toContain(ids[2]);
    expect(ran.stdout).toMatch(/archive: NOT SOUND/);
  });
});
