import {describe, expect, it} from 'vitest';
import {ArchiveIndex} from '../../../../src/lib/store/archive/index/repository.js';
import {ArchiveWriter} from '../../../../src/lib/store/archive/store.js';
import {verifyArchive, type VerifyProgress} from '../../../../src/lib/store/archive/verify.js';
import {useTempDirs} from '../../../helpers/tmp.js';
import {makeArchive} from './helpers.js';
import {makeMail} from './mail.js';

const tempDir = useTempDirs();

describe('verifyArchive progress', () => {
  it('reports each segment checked, of all of them, with the blobs and the bytes read so far', () => {
    const {catalog, archiveDir} = makeArchive(tempDir());
    // Small segments: the six messages (incompressible, ~20 kB each) take three.
    const writer = ArchiveWriter.open(catalog, archiveDir, {segmentLimitBytes: 50_000});
    for (let i = 0; i < 6; i++) writer.put(makeMail(`m${i}`, 20_000, 'binary'));
    writer.close();
    const segments = new ArchiveIndex(catalog.db).listSegments();
    expect(segments.length).toBeGreaterThan(1);

    const seen: VerifyProgress[] = [];
    const report = verifyArchive(catalog, archiveDir, {readData: true, onProgress: (p) => seen.push(p)});
    expect(seen.map((p) => [p.checked, p.segments])).toEqual(segments.map((_, i) => [i + 1, segments.length]));
    expect(seen.map((p) => p.segment)).toEqual(segments.map((s) => s.path));
    expect(seen.at(-1)).toMatchObject({blobs: 6, blobsRead: 6, bytesRead: segments.reduce((n, s) => n + s.bytes, 0)});
    expect(report).toMatchObject({segments: segments.length, blobs: 6, blobsRead: 6, sound: true});

    // Without --read-data nothing is read back: the bytes stay 0.
    const light: VerifyProgress[] = [];
    verifyArchive(catalog, archiveDir, {onProgress: (p) => light.push(p)});
    expect(light.at(-1)).toMatchObject({checked: segments.length, blobs: 6, blobsRead: 0, bytesRead: 0});
    catalog.close();
  });
});
