/** Human rendering of `bonnie verify`; `--json` prints the reports themselves. */
import {describeMessage} from '../store/archive/index/archived-message-ref.js';
import type {ArchiveProblem, ArchiveVerifyReport, MarkBrokenResult} from '../store/archive/verify.js';
import type {CatalogCheckReport} from '../base/catalog/integrity.js';
import type {PolicyLogReport} from '../pipeline/retention/policy.js';
import type {ChainProblem, ChainReport} from '../pipeline/process/chain.js';
import type {AlertChainReport} from '../pipeline/dlp/alert-chain.js';

/** The catalog check: its size, one line per problem with the table (and index) it is in, the hint. */
export function renderCatalogReport(report: CatalogCheckReport): string {
  const lines = [`catalog: ${report.tables} table(s), ${report.pages} page(s) of ${report.pageSize} bytes`];
  for (const problem of report.problems) {
    const where = problem.table === null ? 'the catalog' : `table ${problem.table}${problem.index === null ? '' : ` (index ${problem.index})`}`;
    lines.push(`catalog: PROBLEM ${problem.kind} in ${where}: ${problem.detail}`);
  }
  lines.push(report.sound ? 'catalog: sound' : 'catalog: NOT SOUND');
  if (report.hint !== null) lines.push(`catalog: hint: ${report.hint}`);
  return lines.join('\n');
}

export function renderChainReport(report: ChainReport): string {
  const lines = [`events: ${report.checked} notification(s) checked${report.pending > 0 ? `, ${report.pending} not chained yet (run bonnie process)` : ''}`];
  lines.push(report.firstProblem === null ? 'events: the chain is intact' : `events: BROKEN: ${describeChainProblem(report.firstProblem)}`);
  return lines.join('\n');
}

/** The log of retention rules and legal holds (its own hash chain). */
export function renderPolicyLog(report: PolicyLogReport): string {
  if (report.firstBreak !== null) return `policy: BROKEN: the log of retention rules and legal holds does not follow at entry ${report.firstBreak} (${report.checked} checked before it): an entry was changed, removed or inserted`;
  return `policy: ${report.checked} change(s) to retention rules and legal holds checked; the log is intact`;
}

/** The DLP alerts' hash chain. */
export function renderAlertChain(report: AlertChainReport): string {
  const pending = report.pending > 0 ? `, ${report.pending} not linked yet (raised before the chain existed: linked by the next alert)` : '';
  const p = report.firstProblem;
  if (p === null) return `dlp: ${report.checked} alert(s) checked${pending}; the chain is intact`;
  const what = p.kind === 'hash-mismatch' ? 'is not what was recorded: it, or the chain, was changed afterwards' : p.kind === 'missing-alert' ? 'was removed' : 'was inserted after the chain passed it';
  return `dlp: BROKEN: alert #${p.alertId} ${what} (${report.checked} checked before it)`;
}

/** How many messages (or blobs) the text output lists per problem; `--json` lists them all. */
export const MESSAGES_SHOWN = 10;

/**
 * The archive report: one line per problem, then the messages it affects (folder and UID, with the blob
 * holding their bytes), at most {@link MESSAGES_SHOWN} per problem. `markBroken`: the report is followed by
 * what --mark-broken did, so the hint to run it is left out.
 */
export function renderArchiveReport(report: ArchiveVerifyReport, options: {markBroken?: boolean} = {}): string {
  const broken = report.brokenSegments > 0 ? `, ${report.brokenSegments} marked broken` : '';
  const lines = [`archive: ${report.segments} segment(s)${broken}, ${report.blobs} blob(s)${report.blobsRead > 0 ? `, ${report.blobsRead} read and re-hashed` : ''}`];
  for (const problem of report.problems) {
    lines.push(`archive: ${problem.severity === 'error' ? 'PROBLEM' : 'notice'} ${problem.kind} in ${problem.path}: ${problem.detail}`);
    lines.push(...renderAffected(problem));
  }
  lines.push(report.sound ? 'archive: sound' : 'archive: NOT SOUND');
  const unmarked = report.problems.some((p) => p.severity === 'error' && p.segmentState !== null && p.segmentState !== 'broken');
  if (unmarked && options.markBroken !== true) {
    lines.push('archive: hint: "bonnie verify --mark-broken" marks the damaged segments broken, so that "bonnie archive" stores their messages again');
  }
  return lines.join('\n');
}

/** What --mark-broken did: the segments marked, the messages that now count as not archived, the hint. */
export function renderMarkBroken(result: MarkBrokenResult): string {
  if (result.segments.length === 0) return 'archive: no segment to mark broken';
  const lines = [`archive: marked ${result.segments.length} segment(s) broken: ${result.segments.map((s) => s.path).join(', ')}`];
  lines.push(`archive: ${result.messages.length} message(s) in them count as not archived until stored again:`);
  lines.push(...listed(result.messages.map((m) => `${describeMessage(m)}  blob ${m.blob}`)));
  lines.push(`archive: hint: ${result.hint}`);
  return lines.join('\n');
}

function renderAffected(problem: ArchiveProblem): string[] {
  if (problem.blobs.length === 0) return [];
  const linked = new Set(problem.messages.map((m) => m.blob));
  const unlinked = problem.blobs.filter((b) => !linked.has(b));
  const counts = `  affects ${problem.blobs.length} blob(s), ${problem.messages.length} message(s)${unlinked.length > 0 ? ` (${unlinked.length} blob(s) no message links to)` : ''}`;
  // A notice loses nothing (a broken segment's blobs awaiting storage, whose damage is listed as errors).
  if (problem.severity === 'notice') return [counts];
  return [`${counts}:`, ...listed([...problem.messages.map((m) => `${describeMessage(m)}  blob ${m.blob}`), ...unlinked.map((b) => `blob ${b}`)])];
}

/** The first {@link MESSAGES_SHOWN} items, indented, then how many more there are. */
function listed(items: string[]): string[] {
  const shown = items.slice(0, MESSAGES_SHOWN).map((item) => `    ${item}`);
  if (items.length > MESSAGES_SHOWN) shown.push(`    and ${items.length - MESSAGES_SHOWN} more (--json lists them all)`);
  return shown;
}

function describeChainProblem(problem: ChainProblem): string {
  switch (problem.kind) {
    case 'hash-mismatch':
      return `notification ${problem.notificationId} (link ${problem.seq}) is not what was recorded: it, or the chain, was changed afterwards`;
    case 'missing-notification':
      return `notification ${problem.notificationId} (link ${problem.seq}) was removed`;
    case 'unchained-notification':
      return `notification ${problem.notificationId} was inserted after the chain passed it`;
    case 'out-of-order':
      return `link ${problem.seq} (notification ${problem.notificationId}) is out of order: the chain itself was edited`;
  }
}
