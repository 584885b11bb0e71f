/**
 * The DLP runtime the commands share (collector, process, dlp scan, dlp watch): the rule file loaded when it
 * exists, alerts logged to bonnie-dlp's log with masked samples, the outbox's mailer, and in long runs the
 * rules reloaded on change or SIGHUP until closed. The log is a file (log_file) the test reads.
 */
import {existsSync, readFileSync, unlinkSync, writeFileSync} from 'node:fs';
import {join} from 'node:path';
import {afterEach, describe, expect, it} from 'vitest';
import {openCatalog} from '../../../../src/lib/base/catalog/catalog.js';
import type {Alert} from '../../../../src/lib/pipeline/dlp/alerts.js';
import {DlpRuntime, type DlpRuntimeSettings} from '../../../../src/lib/pipeline/dlp/runtime.js';
import {useTempDirs} from '../../../helpers/tmp.js';

const tempDir = useTempDirs();
const rule = (name: string) => `rules:\n  - name: ${name}\n    severity: high\n    condition: {detector: credit_card}\n`;
let runtime: DlpRuntime | undefined;
afterEach(async () => {
  await runtime?.close();
  runtime = undefined;
});

function settingsIn(dir: string): DlpRuntimeSettings {
  return {catalog: join(dir, 'catalog.db'), logFile: join(dir, 'bonnie.log'), dlpRules: join(dir, 'dlp.yaml'), localDomains: ['example.org']};
}

async function until(check: () => boolean, what: string): Promise<void> {
  const end = Date.now() + 5000;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

const ALERT: Alert = {
  id: 7, at: 0, raisedAt: 0, rule: 'cards', severity: 'high', kind: 'content', behaviour: null, direction: 'out', personId: null, login: 'alice',
  sessionId: null, clientIp: null, mailboxId: null, folder: 'user.alice.Sent', messages: [], placementIds: [], count: 1,
  hits: [{detector: 'credit_card', count: 1, confidence: 'high', samples: ['4111 **** **** 1111']}], behaviourSummary: null, notificationIds: [], acks: [],
} as unknown as Alert;

describe('DlpRuntime', () => {
  it('without a rule file: DLP off, nothing to follow, nothing warned', async () => {
    const settings = settingsIn(tempDir());
    const warnings: string[] = [];
    const hups = process.listenerCount('SIGHUP');
    runtime = DlpRuntime.open(settings, (m) => warnings.push(m));
    expect(runtime.rules).toBeUndefined();
    runtime.followRules(() => undefined);
    expect(process.listenerCount('SIGHUP')).toBe(hups);
    const catalog = openCatalog(':memory:', {create: true});
    try {
      expect(runtime.pipelineOptions(catalog.db)).toMatchObject({dlpRules: undefined, localDomains: ['example.org']});
      // No dlp_notify: nothing to send, nothing fails.
      expect(await runtime.mailer(catalog.db)()).toEqual({sent: 0, failed: 0, pending: 0});
    } finally {
      catalog.close();
    }
    expect(warnings).toEqual([]);
  });

  it('a rule file that does not load is warned about, and the run goes on without DLP', () => {
    const settings = settingsIn(tempDir());
    writeFileSync(settings.dlpRules, 'rules:\n  - name: x\n    severity: urgent\n    condition: {detector: credit_card}\n');
    const warnings: string[] = [];
    runtime = DlpRuntime.open(settings, (m) => warnings.push(m));
    expect(runtime.rules).toBeUndefined();
    expect(warnings).toEqual([`${settings.dlpRules}:3:15: severity must be one of low, medium, high, critical: data-loss prevention is off for this run`]);
  });

  it('following without a rule file: no rules until the file appears, then its rules; a deleted file keeps them', async () => {
    const settings = settingsIn(tempDir());
    const warnings: string[] = [];
    const hups = process.listenerCount('SIGHUP');
    runtime = DlpRuntime.open(settings, (m) => warnings.push(m), {follow: true});
    const rules = runtime.rules;
    expect(rules?.file).toBe(settings.dlpRules);
    expect(rules?.rules).toEqual([]);
    expect(rules?.behaviour).toEqual([]);
    const catalog = openCatalog(':memory:', {create: true});
    try {
      expect(runtime.pipelineOptions(catalog.db).dlpRules).toBe(rules);
    } finally {
      catalog.close();
    }
    const reloads: string[] = [];
    runtime.followRules((m) => warnings.push(m), (m) => reloads.push(m));
    expect(process.listenerCount('SIGHUP')).toBe(hups + 1);
    writeFileSync(settings.dlpRules, rule('late'));
    await until(() => rules?.rules[0]?.name === 'late', 'the rules of the file created after the start');
    expect(reloads).toEqual([`reloaded the DLP rules of ${settings.dlpRules} (the file changed): 1 content rule(s), 0 behaviour rule(s)`]);
    unlinkSync(settings.dlpRules);
    await until(() => warnings.length > 0, 'the warning about the deleted file');
    expect(warnings).toEqual([`cannot read the DLP rules ${settings.dlpRules}: no such file; the rules in force stay`]);
    expect(rules?.rules.map((r) => r.name)).toEqual(['late']);
    writeFileSync(settings.dlpRules, rule('again'));
    process.emit('SIGHUP', 'SIGHUP');
    await until(() => rules?.rules[0]?.name === 'again', 'the reload on SIGHUP');
    await runtime.close();
    runtime = undefined;
    expect(readFileSync(settings.logFile ?? '', 'utf8')).toContain(`reloaded the DLP rules of ${settings.dlpRules} (the file changed): 1 content rule(s), 0 behaviour rule(s)`);
  });

  it('following, a rule file that does not load at the start is warned about and loads once mended', async () => {
    const settings = settingsIn(tempDir());
    writeFileSync(settings.dlpRules, 'rules: [');
    const warnings: string[] = [];
    runtime = DlpRuntime.open(settings, (m) => warnings.push(m), {follow: true});
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/dlp\.yaml:\d+:\d+: .*: data-loss prevention is off until the file loads$/);
    const rules = runtime.rules;
    expect(rules?.rules).toEqual([]);
    runtime.followRules((m) => warnings.push(m));
    writeFileSync(settings.dlpRules, rule('mended'));
    await until(() => rules?.rules[0]?.name === 'mended', 'the mended file');
  });

  it('logs each alert (masked) and, following, reloads the rules on change and on SIGHUP until closed', async () => {
    const settings = settingsIn(tempDir());
    writeFileSync(settings.dlpRules, rule('first'));
    const hups = process.listenerCount('SIGHUP');
    runtime = DlpRuntime.open(settings, () => undefined);
    const rules = runtime.rules;
    expect(rules?.rules.map((r) => r.name)).toEqual(['first']);
    const catalog = openCatalog(':memory:', {create: true});
    try {
      const options = runtime.pipelineOptions(catalog.db);
      expect(options.dlpRules).toBe(rules);
      options.onDlpAlert(ALERT);
    } finally {
      catalog.close();
    }

    const warnings: string[] = [];
    runtime.followRules((m) => warnings.push(m));
    expect(process.listenerCount('SIGHUP')).toBe(hups + 1);
    writeFileSync(settings.dlpRules, rule('second'));
    await until(() => rules?.rules[0]?.name === 'second', 'the reload on change');
    writeFileSync(settings.dlpRules, 'rules: [');
    await until(() => warnings.length > 0, 'the warning');
    expect(warnings[0]).toMatch(/^.*dlp\.yaml:\d+:\d+: .*; the rules in force stay$/);
    expect(rules?.rules[0]?.name).toBe('second');
    writeFileSync(settings.dlpRules, rule('third'));
    await until(() => rules?.rules[0]?.name === 'third', 'the reload of the fixed file');
    // SIGHUP reads the file again, changed or not (kill -HUP).
    const logged = () => readFileSync(settings.logFile ?? '', 'utf8');
    process.emit('SIGHUP', 'SIGHUP');
    await until(() => logged().includes('(SIGHUP)'), 'the reload on SIGHUP');

    await runtime.close();
    runtime = undefined;
    expect(process.listenerCount('SIGHUP')).toBe(hups);
    expect(existsSync(settings.logFile ?? '')).toBe(true);
    const log = logged();
    expect(log).toMatch(/bonnie-dlp\[\d+\] warning: DLP alert #7 high cards \(content, out\) .*credit_card: 4111 \*\*\*\* \*\*\*\* 1111/);
    expect(log).toContain(`reloaded the DLP rules of ${settings.dlpRules} (the file changed): 1 content rule(s), 0 behaviour rule(s)`);
    expect(log).toMatch(/ error: .*dlp\.yaml:\d+:\d+: .*; the rules in force stay/);
    expect(log).toContain(`reloaded the DLP rules of ${settings.dlpRules} (SIGHUP): 1 content rule(s), 0 behaviour rule(s)`);
    expect(log).not.toContain('4111 1111');
  });
});
