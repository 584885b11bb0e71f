/**
 * Archive format 2 (issue 19): what the writers add to the segments at the end of a run is written once:
 * links with a blob and links with only a reason (unrecoverable, pruned) alike; a changed link again.
 */
import {join} from 'node:path';
import {describe, expect, it} from 'vitest';
import {openCatalog} from '../../../../src/lib/base/catalog/catalog.js';
import {SnapshotRepository} from '../../../../src/lib/pipeline/snapshot/repository.js';
import {writeSegmentRecordNow} from '../../../../src/lib/pipeline/snapshot/segment-record.js';
import {useTempDirs} from '../../../helpers/tmp.js';

const tempDir = useTempDirs();

describe('writeSegmentRecordNow', () => {
  it('writes each link once, those with only a reason too, and a changed one again', () => {
    const dir = tempDir();
    const catalog = openCatalog(join(dir, 'catalog.db'), {create: true});
    const archive = join(dir, 'archive');
    const repo = new SnapshotRepository(catalog.db);
    repo.link('mbox-1', 7, 'spool', [
      {uid: 1, sha256: Buffer.alloc(32, 1), reason: null},
      {uid: 2, sha256: null, reason: 'spool file gone (expunged and cleaned, or folder deleted) before archiving'},
    ], 1);
    expect(writeSegmentRecordNow(catalog, archive)).toMatchObject({links: 2, members: 1});
    expect(writeSegmentRecordNow(catalog, archive)).toMatchObject({links: 0, members: 0});
    repo.link('mbox-1', 7, 'spool', [{uid: 2, sha256: Buffer.alloc(32, 2), reason: null}], 2);
    expect(writeSegmentRecordNow(catalog, archive)).toMatchObject({links: 1, members: 1});
    catalog.close();
  });
});
