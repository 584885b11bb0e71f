/**
 * Issue 15: `bonnie dlp watch --json` (the built CLI) as a child process: an alert raised in its catalog by
 * another process is printed as one JSON Line of type "alert"; SIGTERM stops it with exit 0. Like `process
 * --follow`, it reads the rule file again on SIGHUP and on change ("rules" lines), a bad file is a "warning"
 * line with its line and column, and SIGHUP does not stop it.
 */
import {spawn, type ChildProcessWithoutNullStreams} from 'node:child_process';
import {writeFileSync} from 'node:fs';
import {join} from 'node:path';
import {afterEach, describe, expect, it} from 'vitest';
import {openCatalog} from '../../src/lib/base/catalog/catalog.js';
import {Alerts} from '../../src/lib/pipeline/dlp/alerts.js';
import {BIN_RUN} from '../helpers/paths.js';
import {bonnie} from '../helpers/run.js';
import {useTempDirs} from '../helpers/tmp.js';

const tempDir = useTempDirs();
const children: ChildProcessWithoutNullStreams[] = [];

afterEach(() => {
  for (const child of children.splice(0)) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
});

type WatchLine = {type: string; message?: string; file?: string; contentRules?: number; behaviourRules?: number};

/** A catalog and `bonnie dlp watch --json` on it, with BONNIE_DLP_RULES at `rules` (which may not exist yet). */
async function startWatch(home: string, rules: string) {
  const catalogPath = join(home, 'catalog.db');
  const env = {BONNIE_CONFIG: '/dev/null', BONNIE_DLP_RULES: rules, BONNIE_LOG_FILE: join(home, 'bonnie.log')};
  expect((await bonnie(['init', '--catalog', catalogPath], {env})).code).toBe(0);
  const child = spawn(process.execPath, [BIN_RUN, 'dlp', 'watch', '--json', '--catalog', catalogPath], {env: {...process.env, ...env}});
  children.push(child);
  const watch = {child, out: '', err: '', exited: new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code))),
    lines: () => watch.out.trim().split('\n').filter((l) => l !== '').map((l) => JSON.parse(l) as WatchLine)};
  child.stdout.on('data', (d: Buffer) => (watch.out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (watch.err += d.toString()));
  await expect.poll(() => watch.out, {timeout: 20_000}).toContain('"type":"started"');
  return watch;
}

describe('bonnie dlp watch', () => {
  it('prints an alert raised in its catalog as a JSON Line, and exits 0 on SIGTERM', async () => {
    const home = tempDir();
    const catalogPath = join(home, 'catalog.db');
    const env = {BONNIE_CONFIG: '/dev/null'};
    expect((await bonnie(['init', '--catalog', catalogPath], {env})).code).toBe(0);

    const child = spawn(process.execPath, [BIN_RUN, 'dlp', 'watch', '--json', '--catalog', catalogPath], {env: {...process.env, ...env}});
    children.push(child);
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
    await expect.poll(() => out, {timeout: 20_000}).toContain('"type":"started"');

    const catalog = openCatalog(catalogPath);
    try {
      new Alerts(catalog.db).raise(
        {dedupKey: 'content/cards/m1/1/7', at: Date.parse('2026-12-07T10:00:00Z'), rule: 'cards', severity: 'high', kind: 'content', direction: 'out', login: 'alice', count: 1, hits: [{detector: 'credit_card', count: 1, confidence: 'high', samples: ['4111 **** **** 1111']}]},
        Date.now(),
      );
    } finally {
      catalog.close();
    }
    await expect.poll(() => out, {timeout: 10_000}).toContain('"type":"alert"');
    child.kill('SIGTERM');
    expect(await exited, err).toBe(0);

    const lines = out.trim().split('\n').map((l) => JSON.parse(l) as {type: string});
    expect(lines.map((l) => l.type)).toEqual(['started', 'alert', 'stopped']);
    expect(lines[1]).toMatchObject({type: 'alert', rule: 'cards', severity: 'high', login: 'alice', direction: 'out', at: '2026-12-07T10:00:00.000Z', hits: [{detector: 'credit_card', samples: ['4111 **** **** 1111']}]});
    expect(lines[2]).toMatchObject({type: 'stopped', alerts: 1});
  });

  it('reads the rule file again on SIGHUP and on change, and says when it does not load', async () => {
    const home = tempDir();
    const rules = join(home, 'dlp.yaml');
    const rule = (name: string) => `  - name: ${name}\n    severity: medium\n    condition: {behaviour: shared_to_anyone}\n`;
    writeFileSync(rules, `rules:\n${rule('first')}`);
    const watch = await startWatch(home, rules);

    watch.child.kill('SIGHUP');
    await expect.poll(() => watch.out, {timeout: 10_000}).toContain('(SIGHUP)');
    expect(watch.lines().find((l) => l.type === 'rules')).toEqual({
      type: 'rules', at: expect.any(String) as string, file: rules, contentRules: 0, behaviourRules: 1,
      message: `reloaded the DLP rules of ${rules} (SIGHUP): 0 content rule(s), 1 behaviour rule(s)`,
    });

    writeFileSync(rules, 'rules:\n  - name: broken\n    severity: medium\n    condition: {behaviour: shared_to_everyone}\n');
    await expect.poll(() => watch.out, {timeout: 10_000}).toContain('"type":"warning"');
    expect(watch.lines().find((l) => l.type === 'warning')?.message).toMatch(/dlp\.yaml:4:28: behaviour must be one of .*; the rules in force stay$/);

    writeFileSync(rules, `rules:\n${rule('first')}${rule('second')}`);
    await expect.poll(() => watch.lines().filter((l) => l.type === 'rules').at(-1)?.behaviourRules, {timeout: 10_000}).toBe(2);

    watch.child.kill('SIGTERM');
    expect(await watch.exited, watch.err).toBe(0);
    expect(watch.lines().map((l) => l.type).filter((t) => t !== 'rules')).toEqual(['started', 'warning', 'stopped']);
  });

  it('started without a rule file, reads it once written ("rules" line)', async () => {
    const home = tempDir();
    const rules = join(home, 'dlp.yaml');
    const watch = await startWatch(home, rules);
    writeFileSync(rules, 'rules:\n  - name: late\n    severity: medium\n    condition: {behaviour: shared_to_anyone}\n');
    await expect.poll(() => watch.out, {timeout: 10_000}).toContain('"type":"rules"');
    watch.child.kill('SIGTERM');
    expect(await watch.exited, watch.err).toBe(0);
    const lines = watch.lines();
    expect(lines.map((l) => l.type)).toEqual(['started', 'rules', 'stopped']);
    expect(lines[1]).toMatchObject({behaviourRules: 1, message: `reloaded the DLP rules of ${rules} (the file changed): 0 content rule(s), 1 behaviour rule(s)`});
    expect(watch.err).toBe('');
  });
});
