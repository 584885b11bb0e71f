/** Human rendering of `bonnie verify`; `--json` prints the reports themselves. */
import type {ArchiveVerifyReport} from '../archive/verify.js';
import type {ChainProblem, ChainReport} from '../process/chain.js';

export function renderChainReport(report: ChainReport): string {
  const lines = [`events: ${report.checked} notification(s) checked${report.pending > 0 ? `, ${report.pending} not chained yet (run bonnie process)` : ''}`];
  lines.push(report.firstProblem === null ? 'events: the chain is intact' : `events: BROKEN: ${describeChainProblem(report.firstProblem)}`);
  return lines.join('\n');
}

export function renderArchiveReport(report: ArchiveVerifyReport): string {
  const lines = [`archive: ${report.segments} segment(s), ${report.blobs} message(s)${report.blobsRead > 0 ? `, ${report.blobsRead} read and re-hashed` : ''}`];
  for (const problem of report.problems) {
    const affected = problem.blobs.length === 0 ? '' : `; affects ${problem.blobs.length} message(s): ${problem.blobs.slice(0, 5).join(', ')}${problem.blobs.length > 5 ? ', ...' : ''}`;
    lines.push(`archive: ${problem.severity === 'error' ? 'PROBLEM' : 'notice'} ${problem.kind} in ${problem.path}: ${problem.detail}${affected}`);
  }
  lines.push(report.sound ? 'archive: sound' : 'archive: NOT SOUND');
  return lines.join('\n');
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
