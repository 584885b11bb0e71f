import type {DlpScanSummary} from './scan.js';

/** `bonnie dlp scan` for people: what was scanned, the alerts raised per rule, what could not be read. */
export function renderDlpScan(s: DlpScanSummary): string {
  const bounds = s.since === null && s.until === null ? '' : ` dated ${s.since ?? 'any time'} to ${s.until ?? 'now'}`;
  const lines = [`Scanned ${s.messages} archived message(s)${bounds} in ${s.places} folder place(s) against ${s.rules} content rule(s) of ${s.rulesFile}.`];
  if (s.byRule.length === 0) lines.push('No rule matched.');
  for (const r of s.byRule) lines.push(`  ${r.rule}: ${r.alerts} new alert(s)${r.alreadyRaised > 0 ? `, ${r.alreadyRaised} already raised` : ''}`);
  if (s.alerts > 0) lines.push(`${s.alerts} new alert(s): bonnie dlp alerts shows them.`);
  for (const u of s.unreadable) lines.push(`unreadable: mailbox ${u.mailboxId} UIDVALIDITY ${u.uidValidity} UID ${u.uid}: ${u.error}`);
  return lines.join('\n');
}
