/** Text output of `bonnie intercept list|add|end|verify-log` (the administrator's terminal only). */
import {isoTime} from '../../core/time.js';
import type {HandoverState} from './queue.js';
import type {Intercept, InterceptLogReport} from './warrants.js';

/** One block per warrant, oldest first; "no intercepts" when there are none. */
export function renderIntercepts(intercepts: Array<Intercept & {handover?: {hi2: HandoverState; hi3: HandoverState}}>): string {
  if (intercepts.length === 0) return 'no intercepts';
  return intercepts
    .map((i) => {
      const lines = [
        `${i.liid}  ${i.state}  agency ${i.agency}  ${i.authCountry}->${i.deliveryCountry}`,
        `  from ${isoTime(i.start)} to ${isoTime(i.end)}`,
        `  delivery ${i.folder === null ? `HI2 ${i.hi2} HI3 ${i.hi3}` : `folder ${i.folder}`}`,
        ...i.targets.map((t) => `  target ${t.given} -> ${t.login} (${t.personId})${t.addresses.length > 0 ? ` ${t.addresses.join(', ')}` : ''}`),
        `  added ${isoTime(i.createdAt)} by ${i.createdBy}`,
      ];
      if (i.endedAt !== null) lines.push(`  ended ${isoTime(i.endedAt)} by ${i.endedBy}: ${i.endReason}`);
      if (i.handover !== undefined) lines.push(`  HI2 ${renderHandover(i.handover.hi2)}`, `  HI3 ${renderHandover(i.handover.hi3)}`);
      return lines.join('\n');
    })
    .join('\n');
}

export function renderLogReport(report: InterceptLogReport): string {
  const p = report.firstProblem;
  if (p === null) return `interception log: ${report.checked} entries, chain intact`;
  return `interception log: BROKEN at entry ${p.seq} (${p.problem}${p.expected === undefined ? '' : `: expected ${p.expected}, recorded ${p.recorded}`}); ${report.checked} entries before it are intact`;
}

/** `120 handed over, last 2026-12-07T12:00:00.000Z; 3 waiting since 2026-...` */
function renderHandover(h: HandoverState): string {
  if (h.queued === 0) return 'nothing queued yet';
  const delivered = `${h.delivered} handed over${h.lastDeliveredAt === null ? '' : `, last ${isoTime(h.lastDeliveredAt)}`}`;
  return h.waiting === 0 ? delivered : `${delivered}; ${h.waiting} WAITING since ${h.waitingSince === null ? '?' : isoTime(h.waitingSince)}`;
}
