/** `bonnie dlp test` through the built CLI, as an administrator checks a rule file before putting it in force. */
import {writeFileSync} from 'node:fs';
import {join} from 'node:path';
import {describe, expect, it} from 'vitest';
import {REPO} from '../helpers/paths.js';
import {bonnie} from '../helpers/run.js';
import {useTempDirs} from '../helpers/tmp.js';

const tempDir = useTempDirs();
const env = {BONNIE_CONFIG: '/dev/null'};
const RULES = join(REPO, 'test/fixtures/dlp/rules.yaml');
const CARD = join(REPO, 'test/fixtures/dlp/card.eml');
const DECOY = join(REPO, 'test/fixtures/dlp/decoy.eml');

describe('bonnie dlp test', () => {
  it('says which rules matched and why, masked, and exits 0', async () => {
    const ran = await bonnie(['dlp', 'test', RULES, CARD, '--direction', 'out', '--folder', 'Sent'], {env});
    expect(ran.code, ran.stderr).toBe(0);
    expect(ran.stdout).toContain('3 of 4 rules matched: card-numbers, bank-details-leaving, encrypted-or-executable');
    expect(ran.stdout).toContain('confidence high: 4111 **** **** 1111; 5555 **** **** 4444');
    expect(ran.stdout).toContain('salaries.zip: encrypted zip');
    expect(ran.stdout).not.toMatch(/4111 1111|5555-5555|DE89 3704/);
  });

  it('prints JSON without the secrets, and exits 0 when nothing matched', async () => {
    const ran = await bonnie(['dlp', 'test', RULES, CARD, '--json'], {env});
    expect(ran.code, ran.stderr).toBe(0);
    const report = JSON.parse(ran.stdout) as {matched: string[]; rules: Array<{rule: string; scope: {unchecked: string[]}}>};
    // Scope parts the flags do not give are not checked: the rule for mail leaving matches too.
    expect(report.matched).toEqual(['card-numbers', 'bank-details-leaving', 'encrypted-or-executable']);
    expect(report.rules[1]?.scope.unchecked).toEqual(['folders', 'direction']);
    for (const secret of ['4111111111111111', '4111 1111 1111 1111', '5555555555554444', '5555-5555-5555-4444', 'DE89370400440532013000', 'DE89 3704 0044 0532 0130 00']) expect(ran.stdout).not.toContain(secret);
    const decoy = await bonnie(['dlp', 'test', RULES, DECOY, '--json'], {env});
    expect(decoy.code, decoy.stderr).toBe(0);
    expect(JSON.parse(decoy.stdout)).toMatchObject({matched: []});
  });

  it('refuses a malformed rule file with its line and column (exit 3)', async () => {
    const rules = join(tempDir(), 'dlp.yaml');
    writeFileSync(rules, 'rules:\n  - name: cards\n    severity: hgh\n    condition: {detector: credit_card}\n');
    const ran = await bonnie(['dlp', 'test', rules, CARD], {env});
    expect(ran.code).toBe(3);
    expect(ran.stderr).toContain(`${rules}:3:15: severity must be one of low, medium, high, critical`);
    expect(ran.stderr).toMatch(/hint: /);
    const json = await bonnie(['dlp', 'test', rules, CARD, '--json'], {env});
    expect(JSON.parse(json.stdout)).toMatchObject({error: {code: 'DlpRulesInvalid', exit: 3}});
  });

  it('says when the message or the rule file is missing', async () => {
    const message = await bonnie(['dlp', 'test', RULES, join(tempDir(), 'none.eml')], {env});
    expect(message.code).toBe(1);
    expect(message.stderr).toContain('cannot read the message');
    const rules = await bonnie(['dlp', 'test', join(tempDir(), 'none.yaml'), CARD], {env});
    expect(rules.code).toBe(3);
    expect(rules.stderr).toContain('cannot read the DLP rules');
  });
});
