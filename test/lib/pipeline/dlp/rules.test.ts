import {writeFileSync} from 'node:fs';
import {join} from 'node:path';
import {describe, expect, it} from 'vitest';
import {BonnieError} from '../../../../src/lib/base/errors.js';
import {parseRuleFile, parseRules, RuleSet} from '../../../../src/lib/pipeline/dlp/rules.js';
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

describe('behaviour rules in the DLP rule file', () => {
  it('reads behaviour rules beside content rules, with defaults', () => {
    const file = parseRuleFile(
      'rules:\n  - name: cards\n    severity: high\n    condition: {detector: credit_card}\n  - name: mass\n    severity: high\n    condition: {behaviour: mass_delete, min_count: 20, within: 30s}\n    scope: {users: [alice]}\n  - name: public\n    severity: low\n    condition: {behaviour: shared_to_anyone}\n  - name: mass-default\n    severity: low\n    condition: {behaviour: mass_delete}\n',
      'dlp.yaml',
    );
    expect(file.rules.map((r) => r.name)).toEqual(['cards']);
    expect(file.behaviour).toEqual([
      {name: 'mass', severity: 'high', behaviour: 'mass_delete', minCount: 20, withinMs: 30_000, scope: {users: ['alice'], groups: undefined, folders: undefined, direction: undefined}, actions: ['alert'], line: 5},
      {name: 'public', severity: 'low', behaviour: 'shared_to_anyone', minCount: 1, withinMs: 0, scope: {}, actions: ['alert'], line: 9},
      {name: 'mass-default', severity: 'low', behaviour: 'mass_delete', minCount: 50, withinMs: 60_000, scope: {}, actions: ['alert'], line: 12},
    ]);
    expect(parseRules('rules:\n  - name: public\n    severity: low\n    condition: {behaviour: shared_to_anyone}\n', 'dlp.yaml')).toEqual([]);
  });

  it('refuses a behaviour rule that means nothing, with line and column', () => {
    const cases: Array<[string, RegExp]> = [
      ['rules:\n  - name: a\n    severity: low\n    condition: {behaviour: mass_export}\n', /^dlp\.yaml:4:28: behaviour must be one of mass_delete, shared_to_anyone, mass_read, new_client_address, emptied_before_delete$/],
      ['rules:\n  - name: a\n    severity: low\n    condition: {behaviour: emptied_before_delete, min_fraction: 1.5}\n', /^dlp\.yaml:4:65: min_fraction must be a number above 0 and at most 1/],
      ['rules:\n  - name: a\n    severity: low\n    condition: {behaviour: new_client_address, within: 1h}\n', /^dlp\.yaml:4:48: unknown key "within" in the new_client_address condition/],
      ['rules:\n  - name: a\n    severity: low\n    condition: {behaviour: mass_read, min_fraction: 0.5}\n', /unknown key "min_fraction" in the mass_read condition/],
      ['rules:\n  - name: a\n    severity: low\n    condition: {behaviour: mass_delete, within: soon}\n', /^dlp\.yaml:4:49: within must be a duration/],
      ['rules:\n  - name: a\n    severity: low\n    condition: {behaviour: mass_delete, min_count: 1}\n', /^dlp\.yaml:4:52: min_count must be a whole number of at least 2$/],
      ['rules:\n  - name: a\n    severity: low\n    condition: {behaviour: shared_to_anyone, min_count: 3}\n', /^dlp\.yaml:4:46: unknown key "min_count" in the shared_to_anyone condition/],
      ['rules:\n  - name: a\n    severity: low\n    condition: {behaviour: mass_delete}\n    scope: {direction: in}\n', /^dlp\.yaml:5:13: unknown key "direction" in scope/],
      ['rules:\n  - name: a\n    severity: low\n    condition:\n      any: [{behaviour: mass_delete}, {detector: iban}]\n', /^dlp\.yaml:5:13: a behaviour is a rule's whole condition/],
    ];
    for (const [text, message] of cases) expect(refusal(text).message, text).toMatch(message);
  });
});
