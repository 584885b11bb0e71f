/** A temp archive folder with a file catalog, for archive tests. */
import {join} from 'node:path';
import {openCatalog, type Catalog} from '../../../../src/lib/base/catalog/catalog.js';

export function makeArchive(dir: string): {catalog: Catalog; archiveDir: string; catalogPath: string} {
  const catalogPath = join(dir, 'catalog.db');
  return {catalog: openCatalog(catalogPath, {create: true}), archiveDir: join(dir, 'archive'), catalogPath};
}
