/**
 * docs/FORMAT.md: "A reader must refuse a version it does not know." A segment row whose `format` a newer
 * bonnie would write (99 here) is refused by every reader of the archive (readBlob, verify) and by the
 * writer that would append to it, with ArchiveFormatUnknown; nothing is read or written.
 */
import {readFileSync, writeFileSync, mkdirSync} from 'node:fs';
import {dirname, join} from 'node:path';
import {describe, expect, it} from 'vitest';
import {ArchiveIndex, ARCHIVE_FORMAT_VERSION} from '../../../../src/lib/store/archive/index/repository.js';
import {ArchiveReader, ArchiveWriter} from '../../../../src/lib/store/archive/store.js';
import {verifyArchive} from '../../../../src/lib/store/archive/verify.js';
import {queryCatalog, thrownBonnieError} from '../../../helpers/catalog.js';
import {useTempDirs} from '../../../helpers/tmp.js';
import {makeArchive} from './helpers.js';
import {makeMail} from './mail.js';

const tempDir = useTempDirs();

/** An archive holding one message, its segment then marked as written in format 99. */
function archiveOfFormat99() {
  const archive = makeArchive(tempDir());
  const writer = ArchiveWriter.open(archive.catalog, archive.archiveDir);
  const mail = makeMail('format');
  const {id} = writer.put(mail);
  writer.close();
  archive.catalog.db.prepare('UPDATE segment SET format = 99').run();
  const [segment] = new ArchiveIndex(archive.catalog.db).listSegments();
  return {...archive, id, mail, segment: segment as NonNullable<typeof segment>};
}

/** The archive's tables as stored: segment rows, blob rows, the writer's lock. */
function archiveTables(catalogPath: string): unknown[] {
  return ['SELECT * FROM segment ORDER BY id', 'SELECT * FROM blob ORDER BY sha256', 'SELECT * FROM archive_lock'].map((sql) => queryCatalog(catalogPath, sql));
}

function expectFormatRefusal(fn: () => unknown, segmentId: string): void {
  const error = thrownBonnieError(fn);
  expect(error.code).toBe('ArchiveFormatUnknown');
  expect(error.exit).toBe(1);
  expect(error.message).toContain(segmentId);
  expect(error.message).toContain('format 99');
  expect(error.hint).toContain('upgrade bonnie');
  expect(error.hint).toContain('docs/FORMAT.md');
}

describe('archive format version', () => {
  it('writes the current format in every segment row', () => {
    const {catalog, archiveDir} = makeArchive(tempDir());
    const writer = ArchiveWriter.open(catalog, archiveDir);
    writer.put(makeMail('current'));
    writer.close();
    expect(new ArchiveIndex(catalog.db).listSegments().map((s) => s.format)).toEqual([ARCHIVE_FORMAT_VERSION]);
    catalog.close();
  });

  it('a reader refuses a blob whose segment is of an unknown format', () => {
    const {catalog, archiveDir, id, segment} = archiveOfFormat99();
    const reader = new ArchiveReader(catalog, archiveDir);
    expectFormatRefusal(() => reader.readBlob(id), segment.id);
    reader.close();
    catalog.db.prepare('UPDATE segment SET format = ?').run(ARCHIVE_FORMAT_VERSION);
    const again = new ArchiveReader(catalog, archiveDir);
    expect(again.readBlob(id).length).toBeGreaterThan(0); // the refusal was the format, nothing else
    again.close();
    catalog.close();
  });

  it('verify refuses the archive before reading any segment, and writes nothing', () => {
    const {catalog, catalogPath, archiveDir, segment} = archiveOfFormat99();
    const before = archiveTables(catalogPath);
    expect(before[1]).toHaveLength(1); // the blob row is there to be compared
    const file = readFileSync(join(archiveDir, segment.path));
    expectFormatRefusal(() => verifyArchive(catalog, archiveDir, {readData: true}), segment.id);
    expect(archiveTables(catalogPath)).toEqual(before);
    expect(readFileSync(join(archiveDir, segment.path)).equals(file)).toBe(true);
    catalog.close();
  });

  it('a writer refuses to seal (append to) a segment of an unknown format left open; nothing is written', () => {
    const {catalog, catalogPath, archiveDir} = makeArchive(tempDir());
    const index = new ArchiveIndex(catalog.db);
    // What a newer bonnie's writer that died would leave: an open segment, with bytes past its last member.
    const segmentId = 'f'.repeat(32);
    const path = `segments/ff/${segmentId}.tar`;
    index.addSegment(segmentId, path, 1);
    catalog.db.prepare("UPDATE segment SET format = 99, bytes = 512 WHERE id = ?").run(segmentId);
    const bytes = Buffer.alloc(2048, 7);
    mkdirSync(dirname(join(archiveDir, path)), {recursive: true});
    writeFileSync(join(archiveDir, path), bytes);
    const before = archiveTables(catalogPath);
    expect(before[0]).toEqual([expect.objectContaining({id: segmentId, state: 'open', format: 99, bytes: 512})]);

    expectFormatRefusal(() => ArchiveWriter.open(catalog, archiveDir), segmentId);
    expect(readFileSync(join(archiveDir, path)).equals(bytes)).toBe(true); // not cut back, no end blocks
    expect(archiveTables(catalogPath)).toEqual(before); // no segment sealed, dropped or added; the lock released
    catalog.close();
  });

  it('a writer never appends to a closed segment of an unknown format: what it stores goes to a new one', () => {
    const {catalog, archiveDir, segment} = archiveOfFormat99();
    const file = readFileSync(join(archiveDir, segment.path));
    const writer = ArchiveWriter.open(catalog, archiveDir);
    const stored = writer.put(makeMail('next'));
    writer.close();
    expect(stored.stored).toBe(true);
    expect(readFileSync(join(archiveDir, segment.path)).equals(file)).toBe(true);
    const segments = new ArchiveIndex(catalog.db).listSegments();
    expect(segments.map((s) => s.format).sort((a, b) => a - b)).toEqual([ARCHIVE_FORMAT_VERSION, 99]);
    const current = segments.find((s) => s.format === ARCHIVE_FORMAT_VERSION);
    expect(new ArchiveIndex(catalog.db).getBlob(stored.id)?.segmentId).toBe(current?.id);
    catalog.close();
  });
});
