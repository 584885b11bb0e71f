/**
 * Issue 15, 1: the rules are reloaded on change of their file or on SIGHUP in long runs; a malformed file is
 * reported with line and column and the old rules stay in force.
 */
import {renameSync, writeFileSync} from 'node:fs';
import {join} from 'node:path';
import {afterEach, describe, expect, it} from 'vitest';
import type {BonnieError} from '../../../../src/lib/base/errors.js';
import {watchRules, type RuleWatch} from '../../../../src/lib/pipeline/dlp/reload.js';
import {RuleSet} from '../../../../src/lib/pipeline/dlp/rules.js';
import {useTempDirs} from '../../../helpers/tmp.js';

const tempDir = useTempDirs();
let watch: RuleWatch | undefined;
afterEach(() => {
  watch?.close();
  watch = undefined;
});

const rule = (name: string) => `rules:\n  - name: ${name}\n    severity: high\n    condition: {detector: credit_card}\n`;

async function until(check: () => boolean, what: string): Promise<void> {
  const end = Date.now() + 5000;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

function setUp(fsWatch = true) {
  const file = join(tempDir(), 'dlp.yaml');
  writeFileSync(file, rule('first'));
  const rules = RuleSet.load(file);
  const reloads: string[] = [];
  const errors: BonnieError[] = [];
  watch = watchRules(rules, {onReload: (m) => reloads.push(m), onError: (e) => errors.push(e), debounceMs: 30, fsWatch});
  return {file, rules, reloads, errors};
}

describe('watchRules', () => {
  it('reloads when the file is rewritten or replaced by rename, as editors save', async () => {
    const {file, rules, reloads} = setUp();
    writeFileSync(file, rule('second'));
    await until(() => rules.rules[0]?.name === 'second', 'the rewrite');
    expect(reloads.at(-1)).toBe(`reloaded the DLP rules of ${file} (the file changed): 1 content rule(s), 0 behaviour rule(s)`);
    writeFileSync(`${file}.tmp`, rule('third'));
    renameSync(`${file}.tmp`, file);
    await until(() => rules.rules[0]?.name === 'third', 'the rename');
  });

  it('keeps the rules in force when the new file is malformed, naming line and column, and takes the next good one', async () => {
    const {file, rules, errors} = setUp();
    writeFileSync(file, 'rules:\n  - name: broken\n    severity: urgent\n    condition: {detector: credit_card}\n');
    await until(() => errors.length > 0, 'the error');
    expect(errors[0]?.code).toBe('DlpRulesInvalid');
    expect(errors[0]?.message).toBe(`${file}:3:15: severity must be one of low, medium, high, critical`);
    expect(rules.rules.map((r) => r.name)).toEqual(['first']);
    writeFileSync(file, rule('fixed'));
    await until(() => rules.rules[0]?.name === 'fixed', 'the fixed file');
  });

  it('reloads on SIGHUP, and not after close', async () => {
    const {file, rules, reloads} = setUp(false);
    writeFileSync(file, rule('on-hup'));
    await new Promise((r) => setTimeout(r, 100));
    expect(rules.rules[0]?.name).toBe('first');
    process.emit('SIGHUP', 'SIGHUP');
    await until(() => rules.rules[0]?.name === 'on-hup', 'SIGHUP');
    expect(reloads.at(-1)).toContain('(SIGHUP)');
    watch?.close();
    writeFileSync(file, rule('after-close'));
    process.emit('SIGHUP', 'SIGHUP');
    await new Promise((r) => setTimeout(r, 100));
    expect(rules.rules[0]?.name).toBe('on-hup');
  });
});
