/**
 * Issue 15: `bonnie dlp scan` as an administrator runs it (the built CLI) on a copy of the sound archive
 * fixture: a new content rule over old mail raises one alert for the one message that matches, masked, and
 * a second scan raises nothing new.
 */
import {readFileSync, writeFileSync} from 'node:fs';
import {join} from 'node:path';
import Database from 'better-sqlite3';
import {afterEach, beforeEach, describe, expect, it} from 'vitest';
import {copyArchiveFixture, type FixtureCopy} from '../fixtures/archive/fixtures.js';
import {EXIT} from '../../src/lib/base/errors.js';
import {bonnie} from '../helpers/run.js';
import {addresses, startSmtpSink, type SmtpSink} from '../helpers/smtp-sink.js';
import {useTempDirs} from '../helpers/tmp.js';

const tempDir = useTempDirs();
let lab: FixtureCopy;
let env: NodeJS.ProcessEnv;
let rules: string;
let sink: SmtpSink | undefined;
afterEach(async () => {
  await sink?.close();
  sink = undefined;
});

beforeEach(() => {
  const dir = tempDir();
  lab = copyArchiveFixture('sound', dir);
  rules = join(dir, 'dlp.yaml');
  // "The quarter closed 4 % above plan." is in alice's INBOX UID 2 only.
  writeFileSync(rules, "rules:\n  - name: results-early\n    severity: high\n    condition:\n      all:\n        - {detector: keywords, words: [quarter]}\n        - {detector: regex, pattern: '\\d+ % above plan'}\n");
  env = {BONNIE_CONFIG: '/dev/null', BONNIE_CATALOG: lab.catalog, BONNIE_ARCHIVE: lab.archive, BONNIE_DLP_RULES: rules};
});

async function ok(args: string[]): Promise<string> {
  const ran = await bonnie(args, {env});
  expect(ran.code, `bonnie ${args.join(' ')}: ${ran.stderr}`).toBe(0);
  return ran.stdout;
}

describe('bonnie dlp scan', () => {
  it('raises one masked alert for the archived message a new rule matches, and nothing on a second scan', async () => {
    const first = JSON.parse(await ok(['dlp', 'scan', '--json'])) as Record<string, unknown>;
    expect(first).toMatchObject({messages: 6, places: 7, alerts: 1, alreadyRaised: 0, byRule: [{rule: 'results-early', alerts: 1, alreadyRaised: 0}], unreadable: []});

    const listed = JSON.parse(await ok(['dlp', 'alerts', '--json'])) as {alerts: Array<{rule: string; login: string; folder: string; direction: string; hits: Array<{detector: string; samples: string[]}>}>};
    expect(listed.alerts).toEqual([expect.objectContaining({rule: 'results-early', login: 'alice', folder: 'INBOX', direction: 'in'})]);
    const text = JSON.stringify(listed);
    expect(text).not.toContain('4 % above plan');

    const human = await ok(['dlp', 'scan', '--rules', rules]);
    expect(human).toContain('Scanned 6 archived message(s)');
    expect(human).toContain('results-early: 0 new alert(s), 1 already raised');
    expect((JSON.parse(await ok(['dlp', 'alerts', '--json'])) as {alerts: unknown[]}).alerts).toHaveLength(1);
  });

  it('logs each new alert (log_file here, else syslog) and mails it to dlp_notify when its rule says notify', async () => {
    sink = await startSmtpSink();
    writeFileSync(rules, "rules:\n  - name: results-early\n    severity: high\n    condition:\n      all:\n        - {detector: keywords, words: [quarter]}\n        - {detector: regex, pattern: '\\d+ % above plan'}\n    actions: [alert, notify]\n");
    const log = join(lab.dir, 'bonnie.log');
    Object.assign(env, {BONNIE_LOG_FILE: log, BONNIE_DLP_NOTIFY: 'security@example.org', BONNIE_DLP_SMTP: `127.0.0.1:${sink.port}`});
    expect(JSON.parse(await ok(['dlp', 'scan', '--json']))).toMatchObject({alerts: 1});
    expect(readFileSync(log, 'utf8')).toMatch(/bonnie-dlp\[\d+\] warning: DLP alert #1 high results-early \(content, in\) login=alice .*folder=INBOX count=2 keywords: /);
    expect(readFileSync(log, 'utf8')).toMatch(/bonnie-dlp\[\d+\] info: DLP alert #1 mailed to security@example.org through 127.0.0.1:\d+/);
    const [mail] = await sink.waitFor(1);
    expect(mail?.parsed.subject).toBe('[bonnie DLP] HIGH results-early: keywords, regex (in) by alice (alert #1)');
    expect(addresses(mail?.parsed.to)).toEqual(['security@example.org']);
    expect(mail?.parsed.text).not.toContain('4 % above plan');
    // A second scan raises, logs and mails nothing new.
    await ok(['dlp', 'scan', '--json']);
    expect(readFileSync(log, 'utf8').match(/DLP alert #/g)).toHaveLength(2);
    expect(sink.mails).toHaveLength(1);
  });

  it('links its alerts in their own evidence chain, which bonnie verify --events checks', async () => {
    await ok(['dlp', 'scan', '--json']);
    const sound = JSON.parse(await ok(['verify', '--events', '--json'])) as {sound: boolean; dlpAlerts: unknown};
    expect(sound).toMatchObject({sound: true, dlpAlerts: {checked: 1, pending: 0, firstProblem: null}});
    expect(await ok(['verify', '--events'])).toContain('dlp: 1 alert(s) checked; the chain is intact');
    // Someone with the file and sqlite3 rewrites the alert's rule name.
    const db = new Database(lab.catalog);
    db.exec("DROP TRIGGER dlp_alert_no_update; UPDATE dlp_alert SET rule = 'nothing-to-see' WHERE id = 1");
    db.close();
    const broken = await bonnie(['verify', '--events'], {env});
    expect(broken.code).toBe(EXIT.unsound);
    expect(broken.stdout).toContain('dlp: BROKEN: alert #1 is not what was recorded');
  });

  it('exits 3 when the rule file is missing, and 2 for bounds that are not moments', async () => {
    const missing = await bonnie(['dlp', 'scan', '--rules', join(lab.dir, 'none.yaml'), '--json'], {env});
    expect(missing.code).toBe(3);
    expect(JSON.parse(missing.stdout)).toMatchObject({error: {code: 'DlpRulesUnreadable'}});
    const bad = await bonnie(['dlp', 'scan', '--since', 'yesterday-ish', '--json'], {env});
    expect(bad.code).toBe(2);
  });
});
