/**
 * What the writers (`bonnie collector`, `bonnie archive`) do after storing: bring the search index up to
 * date, so that new mail is found at once. A failure here never fails the write that succeeded: it is a
 * warning, and the next `bonnie search` catches up.
 */
import type {Catalog} from '../../base/catalog/catalog.js';
import {errorMessage} from '../../base/errors.js';
import {updateSearch, type UpdateSummary} from './update.js';

export async function indexAfterWrite(catalog: Catalog, archiveDir: string, warn: (message: string) => void): Promise<UpdateSummary | undefined> {
  try {
    return await updateSearch(catalog, archiveDir);
  } catch (error) {
    warn(`the search index was not brought up to date (the next "bonnie search" will): ${errorMessage(error)}`);
    return undefined;
  }
}
