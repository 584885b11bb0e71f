import {createHash} from 'node:crypto';
import {readFileSync, writeFileSync} from 'node:fs';
import {join} from 'node:path';
import {describe, expect, it} from 'vitest';
import {blobHex} from '../../../../src/lib/store/archive/blob/blob.js';
import {ArchiveIndex} from '../../../../src/lib/store/archive/index/repository.js';
import {ArchiveReader, ArchiveWriter} from '../../../../src/lib/store/archive/store.js';
import {verifyArchive} from '../../../../src/lib/store/archive/verify.js';
import type {BonnieError} from '../../../../src/lib/base/errors.js';
import {useTempDirs} from '../../../helpers/tmp.js';
import {makeArchive} from './helpers.js';
import {makeMail} from './mail.js';

const tempDir = useTempDirs();

async function rejection(promise: Promise<unknown>): Promise<BonnieError> {
  try {
    await promise;
  } catch (error) {
    return error as BonnieError;
  }
  throw new Error('expected a rejection');
}

describe('ArchiveWriter with worker threads (putAsync, commitAsync)', () => {
  it('stores what put stores, deduplicates messages in flight at once, and hands back the digest asked for', async () => {
    const {catalog, archiveDir} = makeArchive(tempDir());
    const writer = ArchiveWriter.open(catalog, archiveDir, {workers: 2});
    const mails = Array.from({length: 20}, (_, i) => makeMail(`async${i}`, 30_000, i % 2 === 0 ? 'text' : 'binary'));
    // Each message twice, all in flight together (alice's INBOX and bob's copy); putAsync takes its bytes, so copies.
    const results = await Promise.all([...mails, ...mails].map((m) => writer.putAsync(Buffer.from(m), {digest: 'sha1'})));
    await writer.commitAsync();
    expect(results.filter((r) => r.stored)).toHaveLength(20);
    results.forEach((r, i) => {
      const mail = mails[i % 20] as Buffer;
      expect(blobHex(r.id)).toBe(createHash('sha256').update(mail).digest('hex'));
      expect(r.digest?.toString('hex')).toBe(createHash('sha1').update(mail).digest('hex'));
    });
    expect((await writer.putAsync(Buffer.from(mails[0] as Buffer))).stored).toBe(false); // already indexed
    writer.close();

    const reader = new ArchiveReader(catalog, archiveDir);
    mails.forEach((m, i) => expect(reader.readBlob(results[i]?.id as Buffer).equals(m)).toBe(true));
    reader.close();
    expect(catalog.db.prepare('SELECT count(*) AS n FROM blob').get()).toEqual({n: 20});
    expect(verifyArchive(catalog, archiveDir, {readData: true}).sound).toBe(true);
    catalog.close();
  });

  it('appends in the order of the calls, whichever thread finishes first: the segment is what put writes', async () => {
    const mails = Array.from({length: 12}, (_, i) => makeMail(`order${i}`, i % 3 === 0 ? 400_000 : 5_000, 'binary'));
    const segmentOf = async (workers: number) => {
      const {catalog, archiveDir} = makeArchive(tempDir());
      const writer = ArchiveWriter.open(catalog, archiveDir, {workers, now: () => Date.UTC(2026, 2, 3)});
      await Promise.all([...mails, mails[0] as Buffer].map((m) => writer.putAsync(Buffer.from(m))));
      await writer.commitAsync();
      writer.close();
      const [segment] = new ArchiveIndex(catalog.db).listSegments();
      const bytes = readFileSync(join(archiveDir, segment?.path ?? ''));
      catalog.close();
      return bytes;
    };
    expect((await segmentOf(2)).equals(await segmentOf(0))).toBe(true);
  });

  it('rolls segments over between appends, and a commit covers every put made before it while later ones go on', async () => {
    const {catalog, archiveDir} = makeArchive(tempDir());
    const writer = ArchiveWriter.open(catalog, archiveDir, {workers: 2, segmentLimitBytes: 120_000});
    const mails = Array.from({length: 16}, (_, i) => makeMail(`pipe${i}`, 40_000, 'binary'));
    const first = mails.slice(0, 8).map((m) => writer.putAsync(Buffer.from(m)));
    const committed = writer.commitAsync();
    const later = mails.slice(8).map((m) => writer.putAsync(Buffer.from(m)));
    await committed;
    const index = new ArchiveIndex(catalog.db);
    for (const r of await Promise.all(first)) expect(index.hasLiveBlob(r.id)).toBe(true);
    await Promise.all(later);
    await writer.commitAsync();
    writer.close();
    const segments = index.listSegments();
    expect(segments.length).toBeGreaterThan(2);
    for (const s of segments) {
      expect(s.state).toBe('closed');
      expect(s.bytes).toBeLessThanOrEqual(120_000);
    }
    expect(verifyArchive(catalog, archiveDir, {readData: true}).sound).toBe(true);
    catalog.close();
  });

  it('a failed commit fails the writer: nothing of it is indexed, later calls refuse, the next writer recovers', async () => {
    const {catalog, archiveDir} = makeArchive(tempDir());
    let calls = 0;
    const writer = ArchiveWriter.open(catalog, archiveDir, {
      workers: 1,
      beforeIndex: () => {
        if (calls++ > 0) throw new Error('injected crash between fsync and index');
      },
    });
    const kept = (await writer.putAsync(makeMail('kept'))).id;
    await writer.commitAsync();
    const lost = (await writer.putAsync(makeMail('lost'))).id;
    const error = await rejection(writer.commitAsync());
    expect(error.code).toBe('ArchiveWriterFailed');
    expect(error.message).toContain('injected crash');
    expect((await rejection(writer.putAsync(makeMail('later')))).code).toBe('ArchiveWriterFailed');
    await writer.settle();
    expect(() => writer.close()).toThrow(/injected crash/);

    const reader = new ArchiveReader(catalog, archiveDir);
    expect(reader.hasBlob(kept)).toBe(true);
    expect(reader.hasBlob(lost)).toBe(false);
    reader.close();
    const next = ArchiveWriter.open(catalog, archiveDir, {workers: 1});
    expect((await next.putAsync(makeMail('lost'))).stored).toBe(true);
    await next.commitAsync();
    next.close();
    expect(verifyArchive(catalog, archiveDir, {readData: true}).problems).toEqual([]);
    catalog.close();
  });

  it('a member damaged between fsync and the read-back fails the commit (the check runs on the worker threads)', async () => {
    const {catalog, archiveDir} = makeArchive(tempDir());
    const writer = ArchiveWriter.open(catalog, archiveDir, {workers: 2});
    const {id} = await writer.putAsync(makeMail('victim', 30_000));
    // Flip a byte of the frame on disk (after the 512-byte tar header) before the commit's read-back.
    const segment = new ArchiveIndex(catalog.db).listSegments()[0];
    const path = join(archiveDir, segment?.path ?? '');
    const bytes = readFileSync(path);
    bytes[612] = (bytes[612] ?? 0) ^ 0xff;
    writeFileSync(path, bytes);
    const error = await rejection(writer.commitAsync());
    expect(error.code).toBe('ArchiveWriterFailed');
    expect(error.message).toContain(`verify after write: blob ${blobHex(id)}`);
    await writer.settle();
    expect(() => writer.close()).toThrow();
    expect(new ArchiveReader(catalog, archiveDir).hasBlob(id)).toBe(false);
    catalog.close();
  });

  it('refuses synchronous calls while asynchronous ones are in progress', async () => {
    const {catalog, archiveDir} = makeArchive(tempDir());
    const writer = ArchiveWriter.open(catalog, archiveDir, {workers: 1});
    const pending = writer.putAsync(makeMail('in flight'));
    pending.catch(() => undefined);
    expect(() => writer.commit()).toThrow(/synchronous call while putAsync/);
    await writer.settle();
    expect(() => writer.close()).toThrow(/ArchiveWriterFailed|synchronous call/);
    catalog.close();
  });
});
