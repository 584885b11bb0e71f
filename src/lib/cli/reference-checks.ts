/**
 * The catalog's references between domains that SQLite's foreign keys do not hold, for
 * `bonnie verify --integrity` (base/catalog/integrity.ts runs them). Composed here, above every domain, as
 * the schema is (cli/schema.ts): each owner reads its own rows, the archive index says which blobs exist.
 */
import type {Db} from '../base/catalog/catalog.js';
import type {ReferenceCheck} from '../base/catalog/integrity.js';
import {ArchiveIndex} from '../store/archive/index/repository.js';
import {forEachDoneBlob} from '../pipeline/collect/jobs.js';
import {forEachLinkedBlob} from '../pipeline/snapshot/repository.js';
import {Policy} from '../pipeline/retention/policy.js';

export function catalogReferences(db: Db): ReferenceCheck[] {
  let index: ArchiveIndex | undefined;
  let policy: Policy | null | undefined;
  // A pruned message's blob is gone on purpose: its tombstone says so (the collector's done job keeps its hash).
  const pruned = (sha256: Buffer): boolean => {
    if (policy === undefined) {
      const p = new Policy(db);
      policy = p.hasPruneTables() ? p : null;
    }
    return policy !== null && policy.tombstone(sha256) !== undefined;
  };
  const known = (sha256: Buffer): boolean => (index ??= new ArchiveIndex(db)).getBlob(sha256) !== undefined || pruned(sha256);
  return [
    {
      table: 'message_link',
      reads: ['message_link', 'blob'],
      count: () => {
        let n = 0;
        forEachLinkedBlob(db, (sha256, links) => {
          if (!known(sha256)) n += links;
        });
        return n;
      },
      detail: (n) => `${n} archived message(s) link to a blob the archive index does not know`,
    },
    {
      table: 'collect_job',
      reads: ['collect_job', 'blob'],
      count: () => {
        let n = 0;
        forEachDoneBlob(db, (sha256) => {
          if (!known(sha256)) n++;
        });
        return n;
      },
      detail: (n) => `${n} collected message(s) link to a blob the archive index does not know`,
    },
  ];
}
