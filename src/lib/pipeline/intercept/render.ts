/** Text output of `bonnie intercept list|add|end|verify-log` (the administrator's terminal only). */
import {isoTime} from '../../core/time.js';
import type {Intercept, InterceptLogReport} from './warrants.js';

/** One block per warrant, oldest first; "no intercepts" when there are none. */
export function renderIntercepts(intercepts: Intercept[]): string {
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
      return lines.join('\n');
    })
    .join('\n');
}

export function renderLogReport(report: InterceptLogReport): string {
  const p = report.firstProblem;
  if (p === null) return `interception log: ${report.checked} entries, chain intact`;
  return `interception log: BROKEN at entry ${p.seq} (${p.problem}${p.expected === undefined ? '' : `: expected ${p.expected}, recorded ${p.recorded}`}); ${report.checked} entries before it are intact`;
}
