/**
 * Issue 15, 1: `bonnie process --follow` (the built CLI) reads its DLP rules again on SIGHUP and when the
 * file changes; a malformed file is reported with line and column and the follower goes on with the old rules.
 * A rule file written after the follower started is read, and its rules raise alerts from then on.
 */
import {spawn} from 'node:child_process';
import {existsSync, readFileSync, writeFileSync} from 'node:fs';
import {join} from 'node:path';
import {describe, expect, it, onTestFinished} from 'vitest';
import {openCatalog} from '../../src/lib/base/catalog/catalog.js';
import {Alerts} from '../../src/lib/pipeline/dlp/alerts.js';
import {BIN_RUN} from '../helpers/paths.js';
import {deliver, variant} from '../helpers/record.js';
import {useTempDirs} from '../helpers/tmp.js';

const tempDir = useTempDirs();
const rule = (name: string) => `rules:\n  - name: ${name}\n    severity: medium\n    condition: {behaviour: shared_to_anyone}\n`;

async function until(check: () => boolean, what: string): Promise<void> {
  const end = Date.now() + 15_000;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** A catalog and `bonnie process --follow --json` on it, with BONNIE_DLP_RULES at `rules` (which may not exist yet). */
async function startFollower(dir: string, rules: string) {
  const catalog = join(dir, 'catalog.db');
  openCatalog(catalog, {create: true}).close();
  const log = join(dir, 'bonnie.log');
  const env = {...process.env, BONNIE_CONFIG: '/dev/null', BONNIE_CATALOG: catalog, BONNIE_DLP_RULES: rules, BONNIE_LOG_FILE: log};
  const child = spawn(process.execPath, [BIN_RUN, 'process', '--follow', '--json'], {env, stdio: ['ignore', 'pipe', 'pipe']});
  const follower = {catalog, child, out: '', err: '', exited: new Promise<number | null>((resolve) => child.on('close', resolve)),
    logText: () => (existsSync(log) ? readFileSync(log, 'utf8') : '')};
  child.stdout.on('data', (d: Buffer) => (follower.out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (follower.err += d.toString()));
  // A failed expectation must not leave the follower running.
  onTestFinished(() => {
    if (child.exitCode === null) child.kill('SIGKILL');
  });
  await until(() => follower.out.includes('"started"'), 'the follower to start');
  return follower;
}

describe('bonnie process --follow and the DLP rule file', () => {
  it('reloads on SIGHUP and on change, keeps the old rules when the file is malformed, and stops cleanly', async () => {
    const dir = tempDir();
    const rules = join(dir, 'dlp.yaml');
    writeFileSync(rules, rule('first'));
    const follower = await startFollower(dir, rules);
    const {child, exited, logText} = follower;

    child.kill('SIGHUP');
    await until(() => logText().includes('(SIGHUP): 0 content rule(s), 1 behaviour rule(s)'), 'the SIGHUP reload');

    writeFileSync(rules, 'rules:\n  - name: broken\n    severity: medium\n    condition: {behaviour: shared_to_everyone}\n');
    await until(() => logText().includes('the rules in force stay'), `the error (stderr: ${follower.err})`);
    // Under --json, a "warning" line on stdout.
    await until(() => follower.out.includes('the rules in force stay'), 'the warning line');
    const warning = follower.out.trim().split('\n').map((line) => JSON.parse(line) as {type: string; message?: string}).find((line) => line.type === 'warning');
    expect(warning?.message).toMatch(new RegExp(`^${rules.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:4:28: behaviour must be one of .*; the rules in force stay$`));
    expect(logText()).toMatch(/bonnie-dlp\[\d+\] error: .*dlp\.yaml:4:28: behaviour must be one of .*; the rules in force stay/);

    writeFileSync(rules, `${rule('first')}${rule('second').replace('rules:\n', '')}`);
    await until(() => logText().includes('(the file changed): 0 content rule(s), 2 behaviour rule(s)'), 'the reload of the fixed file');

    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(follower.out.trim().split('\n').at(-1)).toContain('"stopped"');
  });

  it('started without a rule file, reads the file once written, and its rules then raise alerts', async () => {
    const dir = tempDir();
    const rules = join(dir, 'dlp.yaml');
    const follower = await startFollower(dir, rules);
    const {catalog, child, exited, logText} = follower;
    // alice's Job folder shared to anyone, before the rules exist: no alert.
    const setAcl = (subject: string, at: string) =>
      variant(79, {aclSubject: subject, aclRights: 'lrs', 'vnd.cmu.mailboxACL': `alice\tlrswipkxtecdan\t${subject}\tlrs\t`, timestamp: at});
    const queue = (raw: Buffer) => {
      const db = openCatalog(catalog);
      try {
        deliver(db.db, [raw]);
      } finally {
        db.close();
      }
    };
    const alerts = () => {
      const db = openCatalog(catalog, {readOnly: true});
      try {
        return new Alerts(db.db).list();
      } finally {
        db.close();
      }
    };
    queue(setAcl('anyone', '2026-11-22T11:54:21.054Z'));
    await until(() => follower.out.includes('"type":"batch"'), `the first event applied (stderr: ${follower.err})`);
    expect(alerts()).toEqual([]);

    writeFileSync(rules, rule('public-folder'));
    await until(() => logText().includes(`reloaded the DLP rules of ${rules} (the file changed): 0 content rule(s), 1 behaviour rule(s)`), `the new file read (stderr: ${follower.err})`);
    queue(setAcl('anonymous', '2026-11-22T11:55:21.054Z'));
    await until(() => alerts().length > 0, `the alert (stderr: ${follower.err})`);
    expect(alerts()).toMatchObject([{rule: 'public-folder', behaviour: 'shared_to_anyone', folder: 'user.alice.Job'}]);
    expect(logText()).toMatch(/bonnie-dlp\[\d+\] warning: DLP alert #1 medium public-folder \(shared_to_anyone\)/);

    child.kill('SIGTERM');
    expect(await exited, follower.err).toBe(0);
  });
});
