import {spawnSync} from 'node:child_process';
import {createHash} from 'node:crypto';
import {readFileSync, statSync, writeFileSync} from 'node:fs';
import {join} from 'node:path';
import {Readable} from 'node:stream';
import * as tar from 'tar-stream';
import {describe, expect, it} from 'vitest';
import {blobHex} from '../../../../src/lib/store/archive/blob/blob.js';
import {ArchiveIndex} from '../../../../src/lib/store/archive/index/repository.js';
import {ArchiveReader, ArchiveWriter} from '../../../../src/lib/store/archive/store.js';
import {verifyArchive} from '../../../../src/lib/store/archive/verify.js';
import {thrownBonnieError} from '../../../helpers/catalog.js';
import {useTempDirs} from '../../../helpers/tmp.js';
import {makeArchive} from './helpers.js';
import {makeMail} from './mail.js';

const tempDir = useTempDirs();
const hasCli = (cmd: string): boolean => spawnSync('sh', ['-c', `command -v ${cmd}`]).status === 0;

describe('ArchiveWriter and ArchiveReader', () => {
  it('round-trips exact bytes under their SHA-256, deduplicating identical messages', () => {
    const {catalog, archiveDir} = makeArchive(tempDir());
    const writer = ArchiveWriter.open(catalog, archiveDir);
    const a = makeMail('a');
    const b = makeMail('b', 20_000, 'binary');
    const first = writer.put(a);
    expect(first.stored).toBe(true);
    expect(blobHex(first.id)).toBe(createHash('sha256').update(a).digest('hex'));
    expect(writer.put(a).stored).toBe(false); // same batch (alice's INBOX and bob's copy)
    writer.put(b);
    writer.commit();
    expect(writer.put(Buffer.from(a)).stored).toBe(false); // already indexed
    writer.close();

    const reader = new ArchiveReader(catalog, archiveDir);
    expect(reader.readBlob(first.id).equals(a)).toBe(true);
    expect(reader.hasBlob(first.id)).toBe(true);
    expect(catalog.db.prepare('SELECT count(*) AS n FROM blob').get()).toEqual({n: 2});
    reader.close();
    expect(verifyArchive(catalog, archiveDir, {readData: true}).sound).toBe(true);
    catalog.close();
  });

  it('rolls over to a new segment at the size limit; every segment is a complete tar that tar-stream reads', async () => {
    const {catalog, archiveDir} = makeArchive(tempDir());
    // Whole messages (split: false): one member each. Split messages: archive-split.test.ts.
    const writer = ArchiveWriter.open(catalog, archiveDir, {segmentLimitBytes: 100_000, split: false});
    const mails = Array.from({length: 12}, (_, i) => makeMail(`roll${i}`, 50_000));
    const ids = mails.map((m) => writer.put(m).id);
    writer.close();
    const index = new ArchiveIndex(catalog.db);
    const segments = index.listSegments();
    expect(segments.length).toBeGreaterThan(1);
    for (const s of segments) {
      expect(s.state).toBe('closed');
      expect(s.bytes).toBeLessThanOrEqual(100_000);
      expect(statSync(join(archiveDir, s.path)).size).toBe(s.bytes);
      const names = await tarNames(readFileSync(join(archiveDir, s.path)));
      expect(names).toEqual(index.listBlobs(s.id).map((b) => `${blobHex(b.id)}.eml.zst`));
    }
    const reader = new ArchiveReader(catalog, archiveDir);
    ids.forEach((id, i) => expect(reader.readBlob(id).equals(mails[i] as Buffer)).toBe(true));
    reader.close();
    catalog.close();
  });

  it.skipIf(!hasCli('tar') || !hasCli('zstd'))('is readable with tar and zstd alone (skipped when the zstd CLI is absent)', () => {
    const {catalog, archiveDir} = makeArchive(tempDir());
    const writer = ArchiveWriter.open(catalog, archiveDir, {split: false});
    const mail = makeMail('cli');
    const {id} = writer.put(mail);
    writer.close();
    const [segment] = new ArchiveIndex(catalog.db).listSegments();
    const path = join(archiveDir, segment?.path ?? '');
    const list = spawnSync('tar', ['-tvf', path], {encoding: 'utf8'});
    expect(list.status).toBe(0);
    expect(list.stdout).toContain(`${blobHex(id)}.eml.zst`);
    const out = spawnSync('sh', ['-c', `tar -xOf "$0" "$1" | zstd -d`, path, `${blobHex(id)}.eml.zst`], {maxBuffer: 1 << 24});
    expect(out.status).toBe(0);
    expect(Buffer.from(out.stdout).equals(mail)).toBe(true);
    catalog.close();
  });

  it('allows one writer per archive', () => {
    const {catalog, archiveDir} = makeArchive(tempDir());
    const writer = ArchiveWriter.open(catalog, archiveDir);
    expect(thrownBonnieError(() => ArchiveWriter.open(catalog, archiveDir)).code).toBe('ArchiveLocked');
    writer.close();
    ArchiveWriter.open(catalog, archiveDir).close();
    catalog.close();
  });

  it('a writer that failed refuses further use, indexes nothing unverified, and the next writer recovers', () => {
    const {catalog, archiveDir} = makeArchive(tempDir());
    const good = makeMail('good');
    let writer = ArchiveWriter.open(catalog, archiveDir, {
      beforeIndex: () => {
        if (calls++ > 0) throw new Error('injected crash between fsync and index');
      },
    });
    let calls = 0;
    const kept = writer.put(good).id;
    writer.commit();
    const lost = writer.put(makeMail('lost')).id;
    const error = thrownBonnieError(() => writer.commit());
    expect(error.code).toBe('ArchiveWriterFailed');
    expect(error.message).toContain('injected crash');
    const again = thrownBonnieError(() => writer.put(makeMail('later')));
    expect(again.code).toBe('ArchiveWriterFailed');
    expect(again.message).toContain('injected crash');
    expect(thrownBonnieError(() => writer.close()).code).toBe('ArchiveWriterFailed');

    const reader = new ArchiveReader(catalog, archiveDir);
    expect(reader.hasBlob(lost)).toBe(false);
    writer = ArchiveWriter.open(catalog, archiveDir);
    const next = writer.put(makeMail('next')).id;
    expect(writer.put(makeMail('lost')).stored).toBe(true); // never indexed, so stored again
    writer.close();
    for (const id of [kept, lost, next]) expect(reader.hasBlob(id)).toBe(true);
    expect(reader.readBlob(kept).equals(good)).toBe(true);
    reader.close();
    const report = verifyArchive(catalog, archiveDir, {readData: true});
    expect(report.problems).toEqual([]);
    // The crashed segment was cut back to its last indexed member and sealed: a complete tar.
    for (const s of new ArchiveIndex(catalog.db).listSegments()) expect(s.state).toBe('closed');
    catalog.close();
  });

  it('a process killed in the middle of a segment loses nothing indexed and leaves nothing half-indexed', () => {
    const dir = tempDir();
    const {catalog, archiveDir, catalogPath} = makeArchive(dir);
    catalog.close();
    const script = join(dir, 'crash.ts');
    const src = (p: string): string => JSON.stringify(join(process.cwd(), 'src/lib', p));
    writeFileSync(
      script,
      `import ${src('cli/schema.js')};
import {openCatalog} from ${src('base/catalog/catalog.js')};
import {ArchiveWriter} from ${src('store/archive/store.js')};
const catalog = openCatalog(${JSON.stringify(catalogPath)});
const writer = ArchiveWriter.open(catalog, ${JSON.stringify(archiveDir)});
for (let i = 0; i < 5; i++) writer.put(Buffer.from('committed message ' + i + ' ' + 'x'.repeat(5000)));
writer.commit();
for (let i = 0; i < 5; i++) writer.put(Buffer.from('uncommitted message ' + i + ' ' + 'y'.repeat(5000)));
process.kill(process.pid, 'SIGKILL');
`,
    );
    const child = spawnSync(process.execPath, ['--import', 'tsx', script], {encoding: 'utf8'});
    expect(child.signal, child.stderr).toBe('SIGKILL');

    const reopened = makeArchive(dir).catalog;
    const index = new ArchiveIndex(reopened.db);
    expect(reopened.db.prepare('SELECT count(*) AS n FROM blob').get()).toEqual({n: 5});
    const [segment] = index.listSegments();
    expect(statSync(join(archiveDir, segment?.path ?? '')).size).toBeGreaterThan(segment?.bytes ?? 0); // the garbage tail is there
    const writer = ArchiveWriter.open(reopened, archiveDir); // the dead holder's lock is recognised
    writer.put(Buffer.from('after the crash'));
    writer.close();
    const report = verifyArchive(reopened, archiveDir, {readData: true});
    expect(report.problems).toEqual([]);
    expect(report.blobs).toBe(6);
    const reader = new ArchiveReader(reopened, archiveDir);
    for (let i = 0; i < 5; i++) {
      const bytes = Buffer.from(`committed message ${i} ${'x'.repeat(5000)}`);
      expect(reader.readBlob(createHash('sha256').update(bytes).digest()).equals(bytes)).toBe(true);
    }
    reader.close();
    reopened.close();
  });
});

async function tarNames(archive: Buffer): Promise<string[]> {
  const names: string[] = [];
  const extract = tar.extract();
  const done = new Promise<void>((resolve, reject) => {
    extract.on('entry', (header, stream, next) => {
      names.push(header.name);
      stream.on('end', next);
      stream.resume();
    });
    extract.on('finish', resolve);
    extract.on('error', reject);
  });
  Readable.from([archive]).pipe(extract);
  await done;
  return names;
}
