/**
 * Rebuild checks split messages (archive format 3) whole: a manifest whose parts are intact but which does
 * not reassemble to its message is skipped and reported, as a blob whose bytes are not its message is;
 * an intact archive rebuilds as before. Archives written by the real writer; segments rewritten member by
 * member (tar headers made again) to alter a manifest.
 */
import {randomBytes} from 'node:crypto';
import {closeSync, mkdirSync, openSync, readdirSync, rmSync, writeFileSync} from 'node:fs';
import {dirname, join} from 'node:path';
import {Compressor, Decompressor} from 'zstd-napi';
import {describe, expect, it} from 'vitest';
import {openCatalog} from '../../../../src/lib/base/catalog/catalog.js';
import {hashBlob} from '../../../../src/lib/store/archive/blob/blob.js';
import {rebuildArchiveIndex} from '../../../../src/lib/store/archive/rebuild-index.js';
import {ArchiveReader, ArchiveWriter} from '../../../../src/lib/store/archive/store.js';
import {verifyArchive} from '../../../../src/lib/store/archive/verify.js';
import {walkSegment} from '../../../../src/lib/store/archive/segment/walk.js';
import {TAR_END_BYTES, encodeHeader, paddingAfter} from '../../../../src/lib/store/archive/segment/tar.js';
import {useTempDirs} from '../../../helpers/tmp.js';
import {makeArchive} from './helpers.js';

const tempDir = useTempDirs();
const ATTACHMENT = randomBytes(60_000);

function forward(subject: string): Buffer {
  const b64 = (ATTACHMENT.toString('base64').match(/.{1,76}/g) ?? []).join('\r\n');
  return Buffer.from(
    [
      `From: alice@example.org`,
      `Subject: ${subject}`,
      `MIME-Version: 1.0`,
      `Content-Type: multipart/mixed; boundary="=_b"`,
      ``,
      `--=_b`,
      `Content-Type: text/plain`,
      ``,
      `See the report (${subject}).`,
      `--=_b`,
      `Content-Type: application/pdf`,
      `Content-Transfer-Encoding: base64`,
      ``,
      b64,
      `--=_b--`,
      ``,
    ].join('\r\n'),
  );
}

function segmentFiles(archiveDir: string): string[] {
  return readdirSync(join(archiveDir, 'segments'), {recursive: true, withFileTypes: true})
    .filter((e) => e.isFile() && e.name.endsWith('.tar'))
    .map((e) => join(e.parentPath, e.name));
}

/**
 * Writes segment `path` again, member by member, at `to` (every member stamped with the same time, so that
 * the order segments are walked in is their names'), with `alter` given each manifest's content.
 */
function rewriteSegment(path: string, to: string, alter: (manifest: Buffer) => Buffer = (m) => m): void {
  const pieces: Buffer[] = [];
  const fd = openSync(path, 'r');
  try {
    for (const m of walkSegment(fd)) {
      const frame = m.name.endsWith('.manifest.zst') ? new Compressor().compress(alter(new Decompressor().decompress(m.data))) : m.data;
      pieces.push(encodeHeader({name: m.name, size: frame.length, mtime: 1_700_000_000}), frame, Buffer.alloc(paddingAfter(frame.length)));
    }
  } finally {
    closeSync(fd);
  }
  rmSync(path);
  mkdirSync(dirname(to), {recursive: true});
  writeFileSync(to, Buffer.concat([...pieces, Buffer.alloc(TAR_END_BYTES)]));
}

/** Same length, parts untouched: the message it makes is not the one whose id it has. */
const altered = (manifest: Buffer) => Buffer.from(manifest.toString('latin1').replace('See the report', 'See the rePort'), 'latin1');

function rebuild(archiveDir: string, dir: string) {
  const catalog = openCatalog(join(dir, 'rebuilt.db'), {create: true});
  const summary = rebuildArchiveIndex(catalog, archiveDir, () => undefined);
  return {catalog, summary};
}

describe('bonnie rebuild and split messages (archive format 3)', () => {
  it('skips and reports a manifest whose parts are intact but which does not reassemble to its message; an intact one rebuilds as before', () => {
    const dir = tempDir();
    const {catalog, archiveDir} = makeArchive(dir);
    const [a, b] = [forward('first'), forward('second')];
    const writer = ArchiveWriter.open(catalog, archiveDir);
    writer.put(a);
    writer.put(b);
    writer.close();
    catalog.close();

    const intact = rebuild(archiveDir, join(dir, 'intact'));
    expect(intact.summary).toMatchObject({blobs: 2, skipped: []});
    intact.catalog.close();
    rmSync(join(dir, 'intact'), {recursive: true});

    const [file] = segmentFiles(archiveDir);
    rewriteSegment(file as string, file as string, (manifest) => (manifest.toString('latin1').includes('(first)') ? altered(manifest) : manifest));
    const {catalog: rebuilt, summary} = rebuild(archiveDir, dir);
    expect(summary.blobs).toBe(1);
    expect(summary.skipped).toEqual([expect.objectContaining({name: `${hashBlob(a).toString('hex')}.manifest.zst`, reason: 'the reassembled message does not hash to the blob id'})]);
    expect(rebuilt.db.prepare('SELECT count(*) AS n FROM blob_part_ref').get()).toEqual({n: 1});
    const reader = new ArchiveReader(rebuilt, archiveDir);
    expect(reader.hasBlob(hashBlob(a))).toBe(false);
    expect(reader.readBlob(hashBlob(b)).equals(b)).toBe(true);
    reader.close();
    expect(verifyArchive(rebuilt, archiveDir, {readData: true})).toMatchObject({sound: true, blobs: 1});
    rebuilt.close();
  });

  it('checks a manifest read before the segment holding its part once every segment is indexed', () => {
    for (const tamper of [false, true]) {
      const dir = tempDir();
      const {catalog, archiveDir} = makeArchive(dir);
      const [a, c] = [forward('first'), forward('third')];
      // Two writers, two segments: c's manifest names the part a's segment holds.
      for (const message of [a, c]) {
        const writer = ArchiveWriter.open(catalog, archiveDir);
        writer.put(message);
        writer.close();
      }
      const files = new Map(segmentFiles(archiveDir).map((f) => [walkFirstName(f), f]));
      catalog.close();
      // c's segment named to sort first (the same stored time): its manifest comes before the part.
      const cFile = files.get(`${hashBlob(c).toString('hex')}.manifest.zst`) as string;
      const aFile = [...files.values()].find((f) => f !== cFile) as string;
      rewriteSegment(cFile, join(archiveDir, 'segments', '00', `${'0'.repeat(32)}.tar`), tamper ? altered : undefined);
      rewriteSegment(aFile, join(archiveDir, 'segments', 'ff', `${'f'.repeat(32)}.tar`));
      const {catalog: rebuilt, summary} = rebuild(archiveDir, dir);
      if (tamper) {
        expect(summary.blobs).toBe(1);
        expect(summary.skipped).toEqual([expect.objectContaining({segment: join('segments', '00', `${'0'.repeat(32)}.tar`), reason: expect.stringContaining('does not hash to the blob id')})]);
        expect(new ArchiveReader(rebuilt, archiveDir).hasBlob(hashBlob(c))).toBe(false);
      } else {
        expect(summary).toMatchObject({blobs: 2, skipped: []});
      }
      expect(verifyArchive(rebuilt, archiveDir, {readData: true}).sound).toBe(true);
      rebuilt.close();
    }
  });
});

/** The name of a segment's last member (a manifest here: parts come before their manifest). */
function walkFirstName(path: string): string {
  const fd = openSync(path, 'r');
  try {
    let last = '';
    for (const m of walkSegment(fd)) last = m.name;
    return last;
  } finally {
    closeSync(fd);
  }
}
