/** The built `bonnie` CLI as an administrator uses it: status, init, errors with hints and exit codes. */
import {readFileSync, statSync, writeFileSync} from 'node:fs';
import {join} from 'node:path';
import Database from 'better-sqlite3';
import {describe, expect, it} from 'vitest';
import {LATEST_SCHEMA_VERSION} from '../../src/lib/catalog/migrations.js';
import {SPECIMENS} from '../helpers/paths.js';
import {bonnie, NOTIFYD_ARGV, status} from '../helpers/run.js';
import {useTempDirs} from '../helpers/tmp.js';

const tempDir = useTempDirs();
const noConfig = {BONNIE_CONFIG: '/dev/null'};

describe('bonnie init', () => {
  it('creates a private catalog and its folders, and is harmless to repeat', async () => {
    const home = join(tempDir(), 'bonnie');
    const catalog = join(home, 'catalog.db');
    const first = await bonnie(['init', '--catalog', catalog, '--json'], {env: noConfig});
    expect(first.code, first.stderr).toBe(0);
    expect(JSON.parse(first.stdout)).toMatchObject({catalog, created: true, schemaVersion: LATEST_SCHEMA_VERSION});
    expect(statSync(catalog).mode & 0o777).toBe(0o640);
    for (const folder of [home, join(home, 'spill'), join(home, 'archive')]) expect(statSync(folder).mode & 0o777).toBe(0o750);
    const again = await bonnie(['init', '--catalog', catalog, '--json'], {env: noConfig});
    expect(JSON.parse(again.stdout)).toMatchObject({created: false});
  });

  it('refuses an unknown owner with a hint', async () => {
    const ran = await bonnie(['init', '--catalog', join(tempDir(), 'c.db'), '--owner', 'no-such-user-here'], {env: noConfig});
    expect(ran.code).toBe(2);
    expect(ran.stderr).toMatch(/no such user or group: no-such-user-here\nhint: /);
  });
});

describe('bonnie status', () => {
  it('reports queue counts, spill files and the catalog', async () => {
    const catalog = join(tempDir(), 'catalog.db');
    await bonnie(['init', '--catalog', catalog], {env: noConfig});
    for (const file of ['01-Login.json', '02-MailboxCreate.json', '01-Login.json']) {
      const ran = await bonnie(['dealer', '--catalog', catalog, ...NOTIFYD_ARGV()], {env: noConfig, input: readFileSync(join(SPECIMENS, file))});
      expect(ran.code).toBe(0);
      expect(ran.stdout).toBe(''); // under notifyd stdout is its socket
    }
    await bonnie(['dealer', '--catalog', catalog], {env: noConfig, input: 'not an event\n'});
    await bonnie(['dealer', '--catalog', catalog], {env: noConfig, input: '{"event":"vnd.example.Future"}\n'});
    const s = await status(catalog, noConfig);
    expect(s.queue).toMatchObject({pending: 3, claimed: 0, done: 0, failed: 0, dead: 0, quarantined: 1, duplicateDeliveries: 1, unknownTypes: {'vnd.example.Future': 1}});
    expect(s.queue.oldestPendingAgeSeconds).toBeGreaterThanOrEqual(0);
    expect(s.spill).toEqual({path: join(catalog, '..', 'spill'), files: 0});
    expect(s.catalog).toMatchObject({path: catalog, schemaVersion: LATEST_SCHEMA_VERSION, latestSchemaVersion: LATEST_SCHEMA_VERSION});
    expect(s.gaps).toEqual({open: 0, unscanned: 3, reconcilePending: 0, reconcileFailed: 0, reconcileDead: 0});
    expect(s.archive).toEqual({segments: 0, brokenSegments: 0, messages: 0, originalBytes: 0, storedBytes: 0, collectPending: 0, collectUnrecoverable: 0});
    expect(s.snapshots).toMatchObject({folders: 0, total: 0});
    expect(s.catalog.sizeBytes).toBeGreaterThan(0);

    const human = await bonnie(['status', '--catalog', catalog], {env: noConfig});
    expect(human.stdout).toMatch(/^queue\.pending\s+3$/m);
    expect(human.stdout).toMatch(/^queue\.unknown_types\s+vnd\.example\.Future \(1\)$/m);
    expect(human.stdout).toMatch(/^queue\.quarantined\s+1$/m);
    expect(human.stdout).toMatch(/^spill\.files\s+0 in /m);
  });

  it('shows jobs that failed with the reason, after bonnie process', async () => {
    const catalog = join(tempDir(), 'catalog.db');
    await bonnie(['init', '--catalog', catalog], {env: noConfig});
    await bonnie(['dealer', '--catalog', catalog], {env: noConfig, input: '{"event":"MailboxCreate","timestamp":"2026-11-22T11:53:57.598Z"}\n'});
    const processed = await bonnie(['process', '--catalog', catalog, '--json'], {env: noConfig});
    expect(JSON.parse(processed.stdout)).toMatchObject({done: 0, failed: 1});
    const s = await status(catalog, noConfig);
    expect(s.queue.failed).toBe(1);
    expect(s.queue.problems).toEqual([
      {notificationId: 1, eventType: 'MailboxCreate', state: 'failed', attempts: 1, lastError: 'MailboxCreate without mailboxID or mailbox URI', retryAt: expect.any(String)},
    ]);
    const human = await bonnie(['status', '--catalog', catalog], {env: noConfig});
    expect(human.stdout).toMatch(/notification 1 \(MailboxCreate\): failed, retried after .*, 1 attempt\(s\): MailboxCreate without mailboxID/);
  });

  it('takes the catalog from --catalog over BONNIE_CATALOG over the config file', async () => {
    const dir = tempDir();
    const [fromFlag, fromEnv, fromFile] = ['flag.db', 'env.db', 'file.db'].map((n) => join(dir, n)) as [string, string, string];
    for (const c of [fromFlag, fromEnv, fromFile]) await bonnie(['init', '--catalog', c], {env: noConfig});
    const conf = join(dir, 'bonnie.conf');
    writeFileSync(conf, `catalog: ${fromFile}\n`);
    const path = async (args: string[], env: NodeJS.ProcessEnv) => JSON.parse((await bonnie(['status', '--json', ...args], {env})).stdout).catalog.path;
    expect(await path([], {BONNIE_CONFIG: conf})).toBe(fromFile);
    expect(await path([], {BONNIE_CONFIG: conf, BONNIE_CATALOG: fromEnv})).toBe(fromEnv);
    expect(await path(['--catalog', fromFlag], {BONNIE_CONFIG: conf, BONNIE_CATALOG: fromEnv})).toBe(fromFlag);
  });

  it('explains a missing catalog with a hint and exit status 4, without a stack trace', async () => {
    const ran = await bonnie(['status', '--catalog', join(tempDir(), 'none.db')], {env: noConfig});
    expect(ran.code).toBe(4);
    expect(ran.stderr).toMatch(/^bonnie: no catalog at .*none\.db\nhint: .*bonnie init/);
    expect(ran.stderr).not.toMatch(/\bat .*\.js:\d+/);
    const json = await bonnie(['status', '--json', '--catalog', join(tempDir(), 'none.db')], {env: noConfig});
    expect(JSON.parse(json.stdout)).toMatchObject({error: {code: 'CatalogMissing', exit: 4}});
  });

  it('refuses a catalog written by a newer bonnie (exit 4)', async () => {
    const catalog = join(tempDir(), 'catalog.db');
    await bonnie(['init', '--catalog', catalog], {env: noConfig});
    const db = new Database(catalog);
    db.pragma('user_version = 999');
    db.close();
    const ran = await bonnie(['status', '--catalog', catalog], {env: noConfig});
    expect(ran.code).toBe(4);
    expect(ran.stderr).toMatch(/schema version 999.*\nhint: .*Upgrade bonnie/);
  });

  it('names the key and the file of an invalid configuration (exit 3)', async () => {
    const conf = join(tempDir(), 'bonnie.conf');
    writeFileSync(conf, '# ok\ndealer_timeout: forever\n');
    const ran = await bonnie(['status', '--config', conf], {env: {}});
    expect(ran.code).toBe(3);
    expect(ran.stderr).toContain(`dealer_timeout (${conf} line 2): "forever" is not a duration`);
  });
});
