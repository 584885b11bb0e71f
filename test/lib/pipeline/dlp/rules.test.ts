import {writeFileSync} from 'node:fs';
import {join} from 'node:path';
import {describe, expect, it} from 'vitest';
import {BonnieError} from '../../../../src/lib/base/errors.js';
import {parseRules, RuleSet} from '../../../../src/lib/pipeline/dlp/rules.js';
import {useTempDirs} from '../../../helpers/tmp.js';
import {RULES} from './fixtures.js';

const tempDir = useTempDirs();


/** The BonnieError `parseRules(text)` throws. */
function refusal(text: string): BonnieError {
  try {
    parseRules(text, 'dlp.yaml');
  } catch (error) {
    if (error instanceof BonnieError) return error;
    throw error;
  }
  throw new Error('not refused');
}

describe('the DLP rule file', () => {
  it('reads rules, their conditions, scopes and actions, with defaults', () => {
    const rules = parseRules(RULES, 'dlp.yaml');
    expect(rules.map((r) => [r.name, r.severity, r.line, r.actions])).toEqual([
      ['cards', 'high', 3, ['alert']],
      ['bank-details-out', 'critical', 6, ['alert', 'notify']],
      ['risky-attachments', 'medium', 16, ['alert']],
    ]);
    expect(rules[0]?.condition).toMatchObject({kind: 'term', detector: 'credit_card', minCount: 1, minConfidence: 'high'});
    expect(rules[1]?.scope).toEqual({direction: 'out', groups: ['finance'], folders: ['Sent*'], users: ['alice']});
    expect(rules[1]?.condition).toMatchObject({kind: 'all', of: [{detector: 'iban', minCount: 2, minConfidence: 'medium'}, {kind: 'any', of: [{label: 'keywords confidential, internal only near payment within 100'}, {label: 'regex /EMP-\\d{6}/i'}]}]});
    expect(rules[2]?.condition).toMatchObject({of: [{types: ['executable', 'encrypted']}, {messageAbove: 10_000_000, attachmentAbove: 2 * 1024 * 1024}, {}, {minConfidence: 'low'}]});
  });

  it('refuses malformed YAML with its line and column', () => {
    const error = refusal('rules:\n  - name: x\n    severity: [high\n    condition: {}\n');
    expect(error.code).toBe('DlpRulesInvalid');
    expect(error.exit).toBe(3);
    expect(error.message).toMatch(/^dlp\.yaml:\d+:\d+: /);
    expect(refusal('rules:\n  - name: a\n  name: b\n').message).toMatch(/^dlp\.yaml:3:\d+: /);
  });

  it('refuses a rule that means nothing, naming the line and column of the mistake', () => {
    const cases: Array<[string, RegExp]> = [
      ['rules:\n  - name: a\n    severity: urgent\n    condition: {detector: iban}\n', /^dlp\.yaml:3:15: severity must be one of low, medium, high, critical$/],
      ['rules:\n  - name: a\n    severity: low\n    condition: {detector: ssn}\n', /^dlp\.yaml:4:27: detector must be one of credit_card, /],
      ['rules:\n  - name: a\n    severity: low\n    condition: {detector: iban, min_count: 0}\n', /^dlp\.yaml:4:44: min_count must be a whole number of at least 1$/],
      ['rules:\n  - name: a\n    severity: low\n    condition: {detector: regex, pattern: "(unclosed"}\n', /^dlp\.yaml:4:43: pattern is not a regular expression/],
      ['rules:\n  - name: a\n    severity: low\n    condition: {detector: iban, words: [x]}\n', /^dlp\.yaml:4:33: unknown key "words" in the iban condition/],
      ['rules:\n  - name: a\n    severity: low\n', /^dlp\.yaml:2:5: "condition" is missing$/],
      ['rules:\n  - name: a\n    severity: low\n    condition: {detector: size, message_above: lots}\n', /^dlp\.yaml:4:48: message_above must be a size/],
      ['rules:\n  - name: a\n    severity: low\n    condition: {detector: iban}\n    scope: {direction: sideways}\n', /^dlp\.yaml:5:24: direction must be one of in, out$/],
      ['rules:\n  - name: a\n    severity: low\n    condition: {detector: iban}\n  - name: a\n    severity: low\n    condition: {detector: iban}\n', /^dlp\.yaml:5:11: a second rule named "a"$/],
      ['policies: []\n', /^dlp\.yaml:1:1: unknown key "policies"/],
    ];
    for (const [text, message] of cases) expect(refusal(text).message, text).toMatch(message);
  });

  it('keeps the rules in force when a reload fails, and takes the new ones when it succeeds', () => {
    const file = join(tempDir(), 'dlp.yaml');
    writeFileSync(file, RULES);
    const set = RuleSet.load(file);
    expect(set.rules).toHaveLength(3);
    writeFileSync(file, 'rules:\n  - name: broken\n    severity: high\n    condition: {detector: credit_card\n');
    const error = set.reload();
    expect(error).toBeInstanceOf(BonnieError);
    expect(error?.code).toBe('DlpRulesInvalid');
    expect(error?.message).toMatch(new RegExp(`^${file}:\\d+:\\d+: `));
    expect(set.rules.map((r) => r.name)).toEqual(['cards', 'bank-details-out', 'risky-attachments']);
    writeFileSync(file, 'rules:\n  - name: only\n    severity: low\n    condition: {detector: iban}\n');
    expect(set.reload()).toBeUndefined();
    expect(set.rules.map((r) => r.name)).toEqual(['only']);
  });

  it('says when the file cannot be read', () => {
    expect(() => RuleSet.load(join(tempDir(), 'none.yaml'))).toThrow(expect.objectContaining({code: 'DlpRulesUnreadable', message: expect.stringContaining('no such file')}));
  });
});
