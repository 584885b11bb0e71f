/**
 * Issue 15: `bonnie dlp watch --json` (the built CLI) as a child process: an alert raised in its catalog by
 * another process is printed as one JSON Line of type "alert"; SIGTERM stops it with exit 0.
 */
import {spawn, type ChildProcessWithoutNullStreams} from 'node:child_process';
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
});
