/** `bonnie dlp test` as text: each rule, matched or not, and why (masked samples only). */
import type {ConditionResult} from './evaluate.js';
import type {DlpTestReport} from './dlp-test.js';

export function renderDlpTest(report: DlpTestReport): string {
  const lines: string[] = [];
  const {message} = report;
  lines.push(`${message.file}: ${message.bytes} bytes${message.messageId === null ? '' : `, ${message.messageId}`}`);
  lines.push(report.matched.length === 0 ? `no rule of ${report.rulesFile} matched (${report.rules.length} checked)` : `${report.matched.length} of ${report.rules.length} rules matched: ${report.matched.join(', ')}`);
  for (const rule of report.rules) {
    lines.push('');
    lines.push(`${rule.matched ? 'MATCH' : 'no match'}  ${rule.rule} (${rule.severity}${rule.matched ? `; ${rule.actions.join(', ')}` : ''})`);
    if (!rule.scope.matched) lines.push(`  out of scope: ${rule.scope.reason}`);
    if (rule.scope.unchecked.length > 0) lines.push(`  scope not checked: ${rule.scope.unchecked.join(', ')} (not given)`);
    renderCondition(rule.condition, '  ', lines);
  }
  return lines.join('\n');
}

function renderCondition(result: ConditionResult, indent: string, lines: string[]): void {
  const mark = result.matched ? '+' : '-';
  if (result.kind !== 'term') {
    lines.push(`${indent}${mark} ${result.kind} of:`);
    for (const child of result.of) renderCondition(child, `${indent}  `, lines);
    return;
  }
  const found = `${result.count} at ${result.minConfidence} confidence or above (needs ${result.minCount})`;
  const below = result.below > 0 ? `, ${result.below} below` : '';
  lines.push(`${indent}${mark} ${result.label}: ${found}${below}`);
  if (result.count > 0) {
    lines.push(`${indent}    confidence ${result.confidence}: ${result.samples.join('; ')}`);
    if (result.evidence !== null) lines.push(`${indent}    ${result.evidence}`);
  }
}
