/** `bonnie status`'s archive and snapshot figures, on the archive fixtures (test/fixtures/archive). */
import {join} from 'node:path';
import {describe, expect, it} from 'vitest';
import {ArchiveIndex} from '../../../../src/lib/store/archive/index/repository.js';
import {openCatalog} from '../../../../src/lib/base/catalog/catalog.js';
import {renderStatus} from '../../../../src/lib/read/status/render.js';
import {readStatus} from '../../../../src/lib/read/status/status.js';
import {copyArchiveFixture} from '../../../fixtures/archive/fixtures.js';
import {useTempDirs} from '../../../helpers/tmp.js';

const tempDir = useTempDirs();
const NOW = Date.parse('2026-03-04T12:00:00.000Z');

describe('readStatus', () => {
  it('counts the archive, its broken segments and the folders snapshotted', () => {
    const copy = copyArchiveFixture('sound', tempDir());
    const catalog = openCatalog(copy.catalog);
    try {
      const status = readStatus(catalog, join(copy.dir, 'spill'), NOW);
      expect(status.archive).toMatchObject({segments: 2, brokenSegments: 0, messages: 6});
      expect(status.snapshots).toEqual({folders: 3, total: 3, lastTakenAt: '2026-03-03T11:00:00.000Z', lastAgeSeconds: 25 * 3600});
      const text = renderStatus(status);
      expect(text).toMatch(/^archive\.broken_segments\s+0$/m);
      expect(text).toMatch(/^snapshots\.folders\s+3 \(3 snapshot\(s\), the last taken 2026-03-03T11:00:00\.000Z, 1d01h ago\)$/m);

      new ArchiveIndex(catalog.db).markBroken('a11ce000000000000000000000000001');
      const broken = readStatus(catalog, join(copy.dir, 'spill'), NOW);
      expect(broken.archive.brokenSegments).toBe(1);
      expect(renderStatus(broken)).toMatch(/^archive\.broken_segments\s+1 \(their messages count as not archived: see "bonnie verify --segments"\)$/m);
    } finally {
      catalog.close();
    }
  });

  it('says when no folder was snapshotted yet', () => {
    const catalog = openCatalog(join(tempDir(), 'catalog.db'), {create: true});
    try {
      const status = readStatus(catalog, tempDir(), NOW);
      expect(status.snapshots).toEqual({folders: 0, total: 0, lastTakenAt: null, lastAgeSeconds: null});
      expect(renderStatus(status)).toMatch(/^snapshots\.folders\s+0$/m);
    } finally {
      catalog.close();
    }
  });
});
