/** Human rendering of a processing run; `--json` prints the summary itself. */
import {isoTime} from '../../core/time.js';
import type {ProcessSummary} from './engine.js';

export function renderProcessSummary(s: ProcessSummary): string {
  if (s.lockedBy !== null) return `Another bonnie process (${s.lockedBy.owner}) is working on this catalog until ${isoTime(s.lockedBy.expiresAt)}; nothing done.`;
  const lines = [`Processed ${s.done} event(s)${s.failed + s.dead > 0 ? `; ${s.failed} failed (will be retried), ${s.dead} dead` : ''}; ${s.remaining} still due.`];
  const types = Object.entries(s.byType).sort(([a], [b]) => a.localeCompare(b));
  if (types.length > 0) lines.push(`  by type: ${types.map(([type, n]) => `${type} ${n}`).join(', ')}`);
  const unhandled = Object.entries(s.unhandled);
  if (unhandled.length > 0) lines.push(`  kept but not understood (unknown types): ${unhandled.map(([type, n]) => `${type} ${n}`).join(', ')}`);
  if (s.spill.files > 0) lines.push(`  spill: ${s.spill.files} file(s) drained, ${s.spill.queued} event(s) queued`);
  if (s.orphansReleased > 0) lines.push(`  ${s.orphansReleased} job(s) claimed by a run that died were done again`);
  if (s.sessionsClosed > 0) lines.push(`  ${s.sessionsClosed} session(s) without Logout closed by timeout`);
  if (s.gaps.opened > 0) lines.push(`  ${s.gaps.opened} new gap(s): events Cyrus did not deliver (see "bonnie gaps")`);
  if (s.dlpAlerts > 0) lines.push(`  ${s.dlpAlerts} DLP alert(s) raised (see "bonnie dlp alerts")`);
  if (s.dead > 0) lines.push(`  ${s.dead} job(s) went dead: the record lacks what they carried; "bonnie status" lists them with the reason`);
  if (s.stoppedBecause !== null) lines.push(`  stopped early: ${s.stoppedBecause}${s.postponed > 0 ? ` (${s.postponed} job(s) wait for it, their attempts untouched)` : ''}`);
  for (const w of s.warnings) lines.push(`  notification ${w.notificationId} (${w.type}) applied with a warning: ${w.warnings.join('; ')}`);
  return lines.join('\n');
}
