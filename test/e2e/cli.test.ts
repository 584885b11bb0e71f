/** The built `bonnie` CLI as an administrator uses it: status, init, errors with hints and exit codes. */
import {chmodSync, existsSync, readFileSync, statSync, writeFileSync} from 'node:fs';
import {join} from 'node:path';
import Database from 'better-sqlite3';
import {describe, expect, it} from 'vitest';
import {CATALOG_SCHEMA} from '../../src/lib/cli/schema.js';
import {BIN_DEALER, BIN_RUN, SPECIMENS} from '../helpers/paths.js';
import {bonnie, NOTIFYD_ARGV, status, type Ran} from '../helpers/run.js';
import {isRoot, OWNER, READER, runAs, useSystemUsers} from '../helpers/system-users.js';
import {useTempDirs} from '../helpers/tmp.js';

const tempDir = useTempDirs();
const noConfig = {BONNIE_CONFIG: '/dev/null'};

describe('bonnie init', () => {
  it('creates a private catalog and its folders, and is harmless to repeat', async () => {
    const home = join(tempDir(), 'bonnie');
    const catalog = join(home, 'catalog.db');
    const first = await bonnie(['init', '--catalog', catalog, '--json'], {env: noConfig});
    expect(first.code, first.stderr).toBe(0);
    expect(JSON.parse(first.stdout)).toMatchObject({catalog, created: true, schemaVersion: CATALOG_SCHEMA.latest});
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
    expect(s.catalog).toMatchObject({path: catalog, schemaVersion: CATALOG_SCHEMA.latest, latestSchemaVersion: CATALOG_SCHEMA.latest});
    expect(s.gaps).toEqual({open: 0, reconciled: 0, unscanned: 3, reconcilePending: 0, reconcileFailed: 0, reconcileDead: 0});
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

/** What a script sees of a failure with --json: exactly the documented object, and the status in it. */
function jsonError(ran: Ran): {code: string; message: string; hint: string | null; exit: number} {
  const parsed = JSON.parse(ran.stdout) as {error: {code: string; message: string; hint: string | null; exit: number}};
  expect(Object.keys(parsed)).toEqual(['error']);
  expect(Object.keys(parsed.error)).toEqual(['code', 'message', 'hint', 'exit']);
  expect(parsed.error.exit).toBe(ran.code);
  return parsed.error;
}

describe('usage errors with --json', () => {
  it('an unknown flag prints the documented error object, small, and exits 2', async () => {
    const ran = await bonnie(['status', '--json', '--no-such-flag'], {env: noConfig});
    expect(ran.code).toBe(2);
    // Before: 164 KB of oclif's configuration (home folder, every command's metadata), exit 1.
    expect(ran.stdout.length).toBeLessThan(400);
    expect(jsonError(ran)).toEqual({code: 'UsageInvalid', message: 'Nonexistent flag: --no-such-flag', hint: 'See "bonnie status --help".', exit: 2});
  });

  it.each([
    ['a flag without its value', ['restore', '--json', '--mailbox'], /--mailbox expects a value/],
    ['a missing required flag', ['audit', '--json'], /Missing required flag user/],
    ['a value not among the options', ['export', '--json', '--user', 'alice', '--out', '/nonexistent/x', '--format', 'pdf'], /Expected --format=pdf to be one of/],
    ['two exclusive flags', ['restore', '--json', '--user', 'alice', '--mailbox', 'user.alice', '--dry-run'], /mailbox/],
  ])('%s: UsageInvalid, exit 2', async (_what, args, message) => {
    const ran = await bonnie(args, {env: noConfig});
    expect(ran.code).toBe(2);
    const error = jsonError(ran);
    expect(error).toMatchObject({code: 'UsageInvalid', exit: 2, hint: `See "bonnie ${args[0]} --help".`});
    expect(error.message).toMatch(message);
    expect(error.message).not.toMatch(/See more help|\n/);
  });

  it('without --json, oclif still prints the usage and exits 2', async () => {
    const ran = await bonnie(['status', '--no-such-flag'], {env: noConfig});
    expect(ran.code).toBe(2);
    expect(ran.stdout).toBe('');
    expect(ran.stderr).toMatch(/Nonexistent flag: --no-such-flag/);
  });
});

describe('dates: one strict parser', () => {
  const at = (command: string[], value: string) => bonnie([...command, '--json', value.startsWith('--') ? value : `--at=${value}`], {env: noConfig});

  it.each([
    ['restore', ['restore', '--mailbox', 'user.alice', '--dry-run']],
    ['export', ['export', '--mailbox', 'user.alice', '--format', 'eml', '--out', '/nonexistent/export']],
  ])('%s refuses --at 2026-02-30 (exit 2) instead of reading 2026-03-02', async (_name, command) => {
    const ran = await at(command, '2026-02-30');
    expect(ran.code).toBe(2);
    expect(jsonError(ran)).toMatchObject({code: 'UsageInvalid', message: '--at: "2026-02-30" is not a date of the calendar', hint: expect.stringContaining('2026-11-22')});
  });

  it.each([
    ['restore', ['restore', '--mailbox', 'user.alice', '--dry-run']],
    ['export', ['export', '--mailbox', 'user.alice', '--format', 'eml', '--out', '/nonexistent/export']],
  ])('%s refuses a future --at with a hint, and --at 2099 alone', async (_name, command) => {
    const future = await at(command, '2099-01-01T00:00Z');
    expect(future.code).toBe(2);
    expect(jsonError(future)).toMatchObject({code: 'UsageInvalid', message: expect.stringMatching(/^--at: 2099-01-01T00:00:00\.000Z is in the future/), hint: expect.stringContaining('up to now')});
    const year = await at(command, '2099');
    expect(year.code).toBe(2);
    expect(jsonError(year).hint).toBe('Write the day it starts: --at 2099-01-01.');
  });

  it('audit refuses --since 2026-02-30 and a future --until the same way', async () => {
    const catalog = join(tempDir(), 'catalog.db');
    await bonnie(['init', '--catalog', catalog], {env: noConfig});
    const impossible = await bonnie(['audit', '--user', 'alice', '--since', '2026-02-30', '--json', '--catalog', catalog], {env: noConfig});
    expect(impossible.code).toBe(2);
    expect(jsonError(impossible).message).toBe('--since: "2026-02-30" is not a date of the calendar');
    const future = await bonnie(['audit', '--user', 'alice', '--until', '2099-12-31', '--json', '--catalog', catalog], {env: noConfig});
    expect(future.code).toBe(2);
    expect(jsonError(future).message).toMatch(/^--until: 2099-12-31T00:00:00\.000Z is in the future/);
  });
});

/** Every command that opens the catalog, with what else it needs to get that far. */
const CATALOG_COMMANDS: Array<[string, string[]]> = [
  ['process', ['process']],
  ['collector', ['collector', '--spool', '/nonexistent/spool']],
  ['archive', ['archive', '--all', '--spool', '/nonexistent/spool']],
  ['dealer --drain-spill', ['dealer', '--drain-spill']],
  ['status', ['status']],
  ['search --no-update', ['search', '--no-update', 'alice']],
  ['history', ['history', '--user', 'alice']],
  ['audit', ['audit', '--user', 'alice']],
  ['gaps', ['gaps', '--no-scan']],
  ['verify', ['verify', '--events']],
  ['restore', ['restore', '--mailbox', 'user.alice', '--dry-run']],
  ['export', ['export', '--mailbox', 'user.alice', '--format', 'eml', '--out', '/nonexistent/export']],
];

describe('a wrong catalog path', () => {
  it.each(CATALOG_COMMANDS)('%s refuses a missing catalog (exit 4) and creates nothing', async (_name, args) => {
    const dir = tempDir();
    const missing = join(dir, 'typo', 'catalog.db');
    const ran = await bonnie([...args, '--json', '--catalog', missing], {env: noConfig});
    expect(ran.code, ran.stderr).toBe(4);
    expect(jsonError(ran)).toMatchObject({code: 'CatalogMissing', hint: expect.stringContaining('bonnie init')});
    expect(existsSync(missing)).toBe(false);
  });

  it.each(CATALOG_COMMANDS)("%s refuses another application's SQLite file (exit 4) and leaves it byte for byte", async (_name, args) => {
    const foreign = join(tempDir(), 'app.sqlite');
    const db = new Database(foreign);
    db.exec("CREATE TABLE users (id INTEGER PRIMARY KEY, email TEXT); INSERT INTO users (email) VALUES ('a@example.com')");
    db.close();
    const before = readFileSync(foreign);
    const ran = await bonnie([...args, '--json', '--catalog', foreign], {env: noConfig});
    expect(ran.code, ran.stderr).toBe(4);
    expect(jsonError(ran)).toMatchObject({code: 'CatalogForeign', message: expect.stringContaining('is not a bonnie catalog')});
    expect(readFileSync(foreign).equals(before)).toBe(true);
    expect(existsSync(`${foreign}-wal`)).toBe(false);
  });
});

describe.skipIf(!isRoot)('a reader in the catalog\'s group (mail), not root', () => {
  useSystemUsers();
  const as = (user: string, args: string[], input?: string) => runAs(user, args, {env: {CYRUS_SERVICE: 'notify'}, input});

  it('runs status, search --no-update and history on a catalog made by init --owner; it cannot write', async () => {
    const dir = tempDir();
    chmodSync(dir, 0o755); // mkdtemp makes it 0700: the folder above the catalog's must be passable
    const catalog = join(dir, 'bonnie', 'catalog.db');
    const init = await bonnie(['init', '--catalog', catalog, '--owner', `${OWNER}:mail`], {env: noConfig});
    expect(init.code, init.stderr).toBe(0);
    for (const file of [catalog, `${catalog}-wal`, `${catalog}-shm`]) expect(statSync(file).mode & 0o777, file).toBe(0o640);

    // The owner writes, as the dealer and bonnie process do in production.
    const dealt = await as(OWNER, [BIN_DEALER, '--catalog', catalog, ...NOTIFYD_ARGV('Login')], readFileSync(join(SPECIMENS, '01-Login.json'), 'utf8'));
    expect(dealt.code, dealt.stderr).toBe(0);
    const processed = await as(OWNER, [BIN_RUN, 'process', '--json', '--catalog', catalog]);
    expect(processed.code, processed.stderr + processed.stdout).toBe(0);

    // Before: exit 4, "attempt to write a readonly database" (SQLite could not create catalog.db-wal).
    const read = await as(READER, [BIN_RUN, 'status', '--json', '--catalog', catalog]);
    expect([0, 6, 7], read.stderr + read.stdout).toContain(read.code);
    expect(JSON.parse(read.stdout)).toMatchObject({queue: {done: 1}, catalog: {path: catalog}});
    const search = await as(READER, [BIN_RUN, 'search', '--no-update', 'anything', '--json', '--catalog', catalog]);
    expect(search.code, search.stderr + search.stdout).toBe(0);
    const history = await as(READER, [BIN_RUN, 'history', '--user', 'cyrus', '--json', '--catalog', catalog]);
    expect(history.code, history.stderr + history.stdout).toBe(0);
    expect(JSON.parse(history.stdout)).toMatchObject({person: {login: 'cyrus'}});

    // Read-only, by the file modes and not by good manners.
    const write = await as(READER, [BIN_RUN, 'process', '--json', '--catalog', catalog]);
    expect(write.code).toBe(4);
    expect(jsonError(write)).toMatchObject({code: 'CatalogUnavailable', message: `cannot write the catalog ${catalog}: this user may only read it`, hint: expect.stringContaining('sudo -u cyrus')});
  });

  it('says how to fix a catalog whose -wal and -shm files are gone, and init --owner fixes it', async () => {
    const dir = tempDir();
    chmodSync(dir, 0o755);
    const catalog = join(dir, 'bonnie', 'catalog.db');
    expect((await bonnie(['init', '--catalog', catalog, '--owner', `${OWNER}:mail`], {env: noConfig})).code).toBe(0);
    // What the sqlite3 shell (or a bonnie before this rule) leaves: the last connection removed them.
    const db = new Database(catalog);
    db.pragma('wal_checkpoint(TRUNCATE)');
    db.close();
    expect(existsSync(`${catalog}-wal`)).toBe(false);

    const refused = await as(READER, [BIN_RUN, 'status', '--json', '--catalog', catalog]);
    expect(refused.code).toBe(4);
    expect(jsonError(refused)).toMatchObject({code: 'CatalogUnavailable', hint: expect.stringContaining('bonnie init --owner cyrus:mail')});
    expect((await bonnie(['init', '--catalog', catalog, '--owner', `${OWNER}:mail`], {env: noConfig})).code).toBe(0);
    const read = await as(READER, [BIN_RUN, 'status', '--json', '--catalog', catalog]);
    expect([0, 6, 7], read.stderr + read.stdout).toContain(read.code);
  });
});
