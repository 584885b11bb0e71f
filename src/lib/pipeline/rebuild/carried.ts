/**
 * `bonnie rebuild`: the catalog's other evidence read back from the segments (catalog migration 22;
 * docs/FORMAT.md): the policy log (and from it the retention rules, legal holds and approvals), prune
 * plans, tombstones, DLP alerts with their chain and acknowledgements, the quarantine and the operators'
 * actions on the queue (their resolutions replayed). Lines are collected
 * member by member (a row found twice, in a copy a crash or a prune left, is kept once, by its id), then
 * written back in id order by each table's owner, and the two chains are checked: a break fails the
 * rebuild (RebuildChainBroken) as one in the record's chain does.
 */
import type {Db} from '../../base/catalog/catalog.js';
import {BonnieError, EXIT} from '../../base/errors.js';
import {CARRIED_KINDS, type CarriedKind, type MemberKind} from '../../store/archive/index/repository.js';
import {restoreAlerts, type AlertAckLine, type AlertLine} from '../dlp/alert-carry.js';
import {AlertChain} from '../dlp/alert-chain.js';
import {restoreQuarantine, restoreQueueActions, type QuarantineLine, type QueueActionLine} from '../queue/quarantine-carry.js';
import {restoreRetention, type PolicyLogLine, type PrunePlanLine, type RetentionRestoreSummary, type TombstoneLine} from '../retention/carry.js';
import {Policy} from '../retention/policy.js';

/** What the segments carried and went back into the new catalog. */
export interface CarriedSummary extends RetentionRestoreSummary {
  alerts: number;
  alertAcks: number;
  quarantine: number;
  /** Operators' actions on the queue (their resolutions replayed onto the quarantine). */
  queueActions: number;
}

/** The id that numbers a line of each kind (the member's range is of these). */
const KEY: Record<CarriedKind, (line: Record<string, unknown>) => number> = {
  policy: (l) => l['seq'] as number,
  'prune-plans': (l) => l['rowid'] as number,
  tombstones: (l) => l['id'] as number,
  alerts: (l) => l['id'] as number,
  'alert-acks': (l) => l['id'] as number,
  quarantine: (l) => l['id'] as number,
  'queue-actions': (l) => l['id'] as number,
};

const isCarried = (kind: MemberKind): kind is CarriedKind => (CARRIED_KINDS as readonly string[]).includes(kind);

/** Lines of the carried kinds, by kind and id, as the segments are walked. */
export class CarriedMembers {
  private readonly lines = new Map<CarriedKind, Map<number, unknown>>(CARRIED_KINDS.map((k) => [k, new Map()]));

  /** Takes a member's lines when it is of a carried kind (true), or leaves it (false). */
  add(kind: MemberKind, content: Buffer): boolean {
    if (!isCarried(kind)) return false;
    const lines = this.lines.get(kind) as Map<number, unknown>;
    for (const text of content.toString('utf8').split('\n')) {
      if (text.length === 0) continue;
      const line = JSON.parse(text) as Record<string, unknown>;
      lines.set(KEY[kind](line), line);
    }
    return true;
  }

  /** Writes everything back (in the order segment-carry.ts wrote it), then checks the policy log's and the alerts' chains. */
  restore(db: Db): CarriedSummary {
    const retention = restoreRetention(db, this.ordered<PrunePlanLine>('prune-plans'), this.ordered<PolicyLogLine>('policy'), this.ordered<TombstoneLine>('tombstones'));
    const dlp = restoreAlerts(db, this.ordered<AlertLine>('alerts'), this.ordered<AlertAckLine>('alert-acks'));
    const quarantine = restoreQuarantine(db, this.ordered<QuarantineLine>('quarantine'));
    const actions = restoreQueueActions(db, this.ordered<QueueActionLine>('queue-actions'));

    const log = new Policy(db).verifyLog();
    if (log.firstBreak !== null) {
      throw broken(`the policy log in the archive's policy members breaks at entry ${log.firstBreak}, after ${log.checked} good entr${log.checked === 1 ? 'y' : 'ies'}`);
    }
    const alerts = new AlertChain(db).verify();
    if (alerts.firstProblem !== null) {
      throw broken(`the DLP alerts' chain in the archive's alerts members breaks at alert ${alerts.firstProblem.alertId} (${alerts.firstProblem.kind}), after ${alerts.checked} good link(s)`);
    }
    return {...retention, alerts: dlp.alerts, alertAcks: dlp.acks, quarantine, queueActions: actions.actions};
  }

  private ordered<T>(kind: CarriedKind): T[] {
    const lines = this.lines.get(kind) as Map<number, unknown>;
    return [...lines.entries()].sort((a, b) => a[0] - b[0]).map(([, line]) => line as T);
  }
}

function broken(what: string): BonnieError {
  return new BonnieError('RebuildChainBroken', `${what}: nothing was rebuilt`, {
    exit: EXIT.unsound,
    hint: 'A member was altered or one is missing (a segment lost or damaged): run "bonnie verify --read-data" on the original catalog if you still have it; restore the segment files from a copy.',
  });
}
