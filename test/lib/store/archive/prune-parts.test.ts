/**
 * A part pruned while its segment cannot be repacked (broken here; open is the same case) stays indexed
 * with no message referring to it. Broken segments are never repacked, so its bytes stay with the segment;
 * but once that segment reads as closed again (a rebuild from the segments), the next prune must reclaim
 * the part: before the fix no prune ever did, since only parts named by the messages a prune drops were
 * candidates. Archives written by the real writer, repacked as `bonnie prune --plan` does.
 */
import {randomBytes} from 'node:crypto';
import {closeSync, openSync, writeSync} from 'node:fs';
import {join} from 'node:path';
import {describe, expect, it} from 'vitest';
import {openCatalog, type Catalog} from '../../../../src/lib/base/catalog/catalog.js';
import {hashBlob} from '../../../../src/lib/store/archive/blob/blob.js';
import {ArchiveIndex} from '../../../../src/lib/store/archive/index/repository.js';
import {rebuildArchiveIndex} from '../../../../src/lib/store/archive/rebuild-index.js';
import {repackSegments, removeRetiredSegments} from '../../../../src/lib/store/archive/repack.js';
import {ArchiveReader, ArchiveWriter} from '../../../../src/lib/store/archive/store.js';
import {markBrokenSegments, verifyArchive} from '../../../../src/lib/store/archive/verify.js';
import {useTempDirs} from '../../../helpers/tmp.js';
import {makeArchive} from './helpers.js';

const tempDir = useTempDirs();
const ATTACHMENT = randomBytes(200_000);

function forward(subject: string): Buffer {
  const b64 = (ATTACHMENT.toString('base64').match(/.{1,76}/g) ?? []).join('\r\n');
  return Buffer.from(
    [`Subject: ${subject}`, `MIME-Version: 1.0`, `Content-Type: multipart/mixed; boundary="=_b"`, ``, `--=_b`, `Content-Type: text/plain`, ``, subject, `--=_b`, `Content-Type: application/pdf`, `Content-Transfer-Encoding: base64`, ``, b64, `--=_b--`, ``].join(
      '\r\n',
    ),
  );
}

/** What `bonnie prune --plan` does to the archive index: repack, commit, remove the old files. */
function prune(catalog: Catalog, archiveDir: string, drop: Buffer[]) {
  const index = new ArchiveIndex(catalog.db);
  const repack = repackSegments(catalog, archiveDir, drop, {verify: 'content'});
  index.commitRepack({...repack, droppedParts: repack.droppedParts.map((p) => p.id), dropped: drop, now: Date.now()});
  removeRetiredSegments(catalog, archiveDir);
  return repack;
}

const count = (catalog: Catalog, table: string) => (catalog.db.prepare(`SELECT count(*) AS n FROM ${table}`).get() as {n: number}).n;

describe('a part pruned while its segment is broken', () => {
  it('stays unreferenced, and the first prune that finds its segment closed again reclaims it', () => {
    const dir = tempDir();
    const {catalog, archiveDir} = makeArchive(dir);
    const note = Buffer.from('Subject: note\r\n\r\nA short note, stored whole.\r\n');
    const [a, b] = [forward('first'), forward('second')];
    let writer = ArchiveWriter.open(catalog, archiveDir);
    writer.put(note);
    writer.put(a); // the attachment's part and a's manifest
    writer.close();
    writer = ArchiveWriter.open(catalog, archiveDir);
    writer.put(b); // b's manifest alone, in a segment of its own
    writer.close();
    const index = new ArchiveIndex(catalog.db);

    // a goes: the part (b names it) moves, with the note, to a new segment.
    expect(prune(catalog, archiveDir, [hashBlob(a)])).toMatchObject({droppedParts: [], movedParts: [expect.anything()]});
    const [part] = catalog.db.prepare('SELECT segment_id AS segment FROM blob_part').all() as Array<{segment: string}>;
    const holder = index.getSegment(part?.segment ?? '');
    // The note's bytes damaged there; verify marks the segment broken.
    const noteRow = index.getBlob(hashBlob(note));
    const fd = openSync(join(archiveDir, holder?.path ?? ''), 'r+');
    writeSync(fd, Buffer.from([0xff]), 0, 1, (noteRow?.dataOffset ?? 0) + 5);
    closeSync(fd);
    expect(markBrokenSegments(catalog, verifyArchive(catalog, archiveDir, {readData: true})).segments.map((s) => s.id)).toEqual([holder?.id]);

    // b goes: the part's segment is broken, so it is not repacked; the part stays, named by no message.
    expect(prune(catalog, archiveDir, [hashBlob(b)]).droppedParts).toEqual([]);
    expect({parts: count(catalog, 'blob_part'), refs: count(catalog, 'blob_part_ref'), blobs: count(catalog, 'blob')}).toEqual({parts: 1, refs: 0, blobs: 1});
    catalog.close();

    // The catalog rebuilt from the segments (the damaged note skipped): the segment reads closed again.
    const rebuilt = openCatalog(join(dir, 'rebuilt.db'), {create: true});
    const summary = rebuildArchiveIndex(rebuilt, archiveDir, () => undefined);
    expect(summary.skipped).toHaveLength(1);
    expect({parts: count(rebuilt, 'blob_part'), refs: count(rebuilt, 'blob_part_ref')}).toEqual({parts: 1, refs: 0});
    const again = new ArchiveIndex(rebuilt.db);
    expect(again.listSegments().map((s) => s.state)).toEqual(['closed']);
    const before = again.listSegments()[0]?.bytes ?? 0;

    // The next prune (nothing of the plan in that segment) reclaims the part: its bytes are freed.
    const repack = prune(rebuilt, archiveDir, []);
    expect(repack.droppedParts.map((p) => p.originalLength)).toEqual([expect.any(Number)]);
    expect(repack.bytesBefore - repack.bytesAfter).toBeGreaterThan(ATTACHMENT.length);
    expect(before).toBeGreaterThan(ATTACHMENT.length);
    expect(count(rebuilt, 'blob_part')).toBe(0);
    expect(verifyArchive(rebuilt, archiveDir, {readData: true}).sound).toBe(true);
    expect(new ArchiveReader(rebuilt, archiveDir).hasBlob(hashBlob(b))).toBe(false);
    rebuilt.close();
  });
});
