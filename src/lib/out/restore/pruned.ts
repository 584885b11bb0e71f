/**
 * Messages a prune removed (issue 17), as restore and export name them instead of failing: the blob the
 * place held is gone from the archive and a tombstone says by which rule, when, under which plan.
 */
import type {Db} from '../../base/catalog/catalog.js';
import {isoTime} from '../../core/time.js';
import {Policy} from '../../pipeline/retention/policy.js';
import type {ArchiveReader} from '../../store/archive/reader.js';

/** One pruned message of a folder, with its tombstone. */
export interface PrunedMessage {
  uid: number;
  sha256: string;
  rule: string;
  prunedAt: string;
  planId: string;
}

/** Looks tombstones up for the messages whose blob the archive no longer holds. */
export class PrunedLookup {
  private policy: Policy | undefined;

  constructor(
    private readonly db: Db,
    private readonly reader: ArchiveReader,
  ) {}

  /** The message's tombstone when a prune removed its blob; undefined when the archive holds it or never did. */
  of(uid: number, sha256: Buffer | undefined): PrunedMessage | undefined {
    if (sha256 === undefined || this.reader.hasBlob(sha256)) return undefined;
    const t = (this.policy ??= new Policy(this.db)).tombstone(sha256);
    return t === undefined ? undefined : {uid, sha256: sha256.toString('hex'), rule: t.rule, prunedAt: isoTime(t.prunedAt), planId: t.planId};
  }
}

/** How a pruned message is named where a reason is due (an export's manifest). */
export function prunedReason(p: PrunedMessage): string {
  return `pruned by retention rule ${p.rule} at ${p.prunedAt} (plan ${p.planId})`;
}
