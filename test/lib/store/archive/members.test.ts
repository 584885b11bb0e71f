/**
 * Archive format 2 (issue 19): the version file, members of other types than blobs (written, read back,
 * indexed, verified), walking a segment without the index, and prune's repack carrying those members over.
 */
import {closeSync, openSync, readFileSync, statSync, writeFileSync} from 'node:fs';
import {join} from 'node:path';
import {describe, expect, it} from 'vitest';
import {BonnieError} from '../../../../src/lib/base/errors.js';
import {BlobDecompressor} from '../../../../src/lib/store/archive/blob/blob.js';
import {ARCHIVE_FORMAT_VERSION, ArchiveIndex} from '../../../../src/lib/store/archive/index/repository.js';
import {repackSegments} from '../../../../src/lib/store/archive/repack.js';
import {parseMemberName} from '../../../../src/lib/store/archive/segment/member.js';
import {walkSegment} from '../../../../src/lib/store/archive/segment/walk.js';
import {ArchiveWriter} from '../../../../src/lib/store/archive/store.js';
import {verifyArchive} from '../../../../src/lib/store/archive/verify.js';
import {ARCHIVE_VERSION_FILE, readArchiveFormat} from '../../../../src/lib/store/archive/version-file.js';
import {useTempDirs} from '../../../helpers/tmp.js';
import {makeArchive} from './helpers.js';
import {makeMail} from './mail.js';

const tempDir = useTempDirs();

/** Every member of a segment file: name and decompressed content. */
function membersOf(path: string): Array<{name: string; content: Buffer}> {
  const fd = openSync(path, 'r');
  const decompressor = new BlobDecompressor();
  try {
    return [...walkSegment(fd)].map((m) => ({name: m.name, content: decompressor.decompress(m.data)}));
  } finally {
    closeSync(fd);
  }
}

describe('archive format 2', () => {
  it('writes bonnie-archive.json (0640) at the first writer, and refuses a format it does not know', () => {
    const {catalog, archiveDir} = makeArchive(tempDir());
    expect(readArchiveFormat(archiveDir)).toBe(1);
    ArchiveWriter.open(catalog, archiveDir).close();
    const file = join(archiveDir, ARCHIVE_VERSION_FILE);
    expect(JSON.parse(readFileSync(file, 'utf8'))).toMatchObject({format: ARCHIVE_FORMAT_VERSION});
    expect(statSync(file).mode & 0o777).toBe(0o640);
    writeFileSync(file, `{"format": ${ARCHIVE_FORMAT_VERSION + 1}}\n`);
    const refused = (() => {
      try {
        ArchiveWriter.open(catalog, archiveDir);
      } catch (error) {
        return error;
      }
      return undefined;
    })();
    expect(refused).toBeInstanceOf(BonnieError);
    expect(refused).toMatchObject({code: 'ArchiveFormatUnknown'});
    expect(() => verifyArchive(catalog, archiveDir)).toThrow(new RegExp(`format ${ARCHIVE_FORMAT_VERSION + 1}`));
    catalog.close();
  });

  it('stores members of other types beside blobs, indexed, verified, and readable without the index', () => {
    const {catalog, archiveDir} = makeArchive(tempDir());
    const writer = ArchiveWriter.open(catalog, archiveDir);
    writer.put(makeMail('a', 5000));
    writer.putMember('record', 1, 2, Buffer.from('{"id":1}\n{"id":2}\n'));
    writer.put(makeMail('b', 5000));
    writer.putMember('snapshot', 7, 7, Buffer.from('{"id":7}'));
    writer.close();
    const index = new ArchiveIndex(catalog.db);
    const [segment] = index.listSegments();
    expect(segment?.format).toBe(ARCHIVE_FORMAT_VERSION);
    expect(index.listMembers(segment?.id ?? '').map((m) => [m.kind, m.firstId, m.lastId])).toEqual([
      ['record', 1, 2],
      ['snapshot', 7, 7],
    ]);
    expect(index.memberHighWater('record')).toBe(2);
    const members = membersOf(join(archiveDir, segment?.path ?? ''));
    expect(members.map((m) => parseMemberName(m.name)?.type)).toEqual(['blob', 'record', 'blob', 'snapshot']);
    expect(members[1]?.name).toBe('record/00000000000000000001-00000000000000000002.jsonl.zst');
    expect(members[3]?.content.toString()).toBe('{"id":7}');
    expect(verifyArchive(catalog, archiveDir, {readData: true})).toMatchObject({sound: true, blobs: 2});
    catalog.close();
  });

  it("prune's repack carries every member of another type over unchanged, and verify passes after", () => {
    const {catalog, archiveDir} = makeArchive(tempDir());
    const writer = ArchiveWriter.open(catalog, archiveDir);
    const gone = writer.put(makeMail('gone', 8000)).id;
    writer.putMember('record', 1, 3, Buffer.from('{"id":1}\n'));
    writer.put(makeMail('kept', 8000));
    writer.putMember('links', 1, 1, Buffer.from('{"uid":1}\n'));
    writer.close();
    const index = new ArchiveIndex(catalog.db);
    const repack = repackSegments(catalog, archiveDir, [gone], {verify: 'content'});
    expect(repack.movedMembers.map((m) => m.to.kind)).toEqual(['record', 'links']);
    index.commitRepack({moved: repack.moved, movedMembers: repack.movedMembers, dropped: [gone], newSegments: repack.newSegments, retired: repack.retired, now: Date.now()});
    const [segment] = index.listSegments();
    expect(segment?.id).toBe(repack.newSegments[0]?.id);
    expect(index.listMembers(segment?.id ?? '').map((m) => m.kind)).toEqual(['record', 'links']);
    const members = membersOf(join(archiveDir, segment?.path ?? ''));
    expect(members.map((m) => m.name.split('/')[0])).toEqual(['record', expect.stringMatching(/\.eml\.zst$/), 'links']);
    expect(members[0]?.content.toString()).toBe('{"id":1}\n');
    expect(verifyArchive(catalog, archiveDir, {readData: true})).toMatchObject({sound: true, blobs: 1});
    catalog.close();
  });
});
