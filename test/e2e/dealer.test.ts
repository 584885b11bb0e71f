/**
 * bin/bonnie-dealer as notifyd runs it: one process per event, notifyd's argv, JSON on stdin.
 * Requires the build (the test command builds first).
 */
import {spawn} from 'node:child_process';
import {readFileSync, readdirSync, statSync, writeFileSync} from 'node:fs';
import {join} from 'node:path';
import Database from 'better-sqlite3';
import {beforeEach, describe, expect, it} from 'vitest';
import {SPECIMENS} from '../helpers/paths.js';
import {bonnie, dealer, NOTIFYD_ARGV, status} from '../helpers/run.js';
import {queryCatalog} from '../helpers/catalog.js';
import {useTempDirs} from '../helpers/tmp.js';

const tempDir = useTempDirs();
let home: string;
let catalog: string;
let env: NodeJS.ProcessEnv;

beforeEach(async () => {
  home = tempDir();
  catalog = join(home, 'catalog.db');
  // The dealer finds its catalog in the environment it inherits from cyrmaster, like in production.
  env = {BONNIE_CATALOG: catalog, BONNIE_LOG_FILE: join(home, 'dealer.log'), BONNIE_CONFIG: '/dev/null'};
  const init = await bonnie(['init'], {env});
  expect(init.code, init.stderr).toBe(0);
});

const specimens = readdirSync(SPECIMENS).filter((f) => f.endsWith('.json')).sort();
/** Spill files in a spill folder (not the capture reserve `bonnie init` keeps there). */
const spillFiles = (dir: string) => readdirSync(dir).filter((name) => name.endsWith('.spill'));
const typeOf = (file: string) => file.replace(/^\d+-/, '').replace(/\.json$/, '');
const rows = <T>(sql: string): T[] => queryCatalog<T>(catalog, sql);

describe('bin/bonnie-dealer', () => {
  it('queues every specimen, in arrival order, and writes nothing to stdout', async () => {
    for (const file of specimens) {
      const ran = await dealer(readFileSync(join(SPECIMENS, file)), NOTIFYD_ARGV(typeOf(file)), env);
      expect(ran.code).toBe(0);
      expect(ran.stdout).toBe('');
    }
    const stored = rows<{event_type: string; raw: Buffer; source: string}>('SELECT event_type, raw, source FROM notification ORDER BY id');
    expect(stored.map((r) => r.event_type)).toEqual(specimens.map(typeOf));
    expect(stored.every((r) => r.source === 'notify_external')).toBe(true);
    expect(stored[44]?.raw.toString()).toBe(readFileSync(join(SPECIMENS, specimens[44] as string), 'utf8').trimEnd());
    const s = await status(catalog, env);
    expect(s.queue).toMatchObject({pending: specimens.length, quarantined: 0, dead: 0});
    expect(s.spill.files).toBe(0);
  });

  it('commits several JSON lines from one stdin in one go', async () => {
    const input = specimens.slice(0, 5).map((f) => readFileSync(join(SPECIMENS, f), 'utf8').trimEnd()).join('\n') + '\n';
    expect((await dealer(input, NOTIFYD_ARGV(), env)).code).toBe(0);
    expect((await status(catalog, env)).queue.pending).toBe(5);
  });

  it.each([
    ['malformed JSON', Buffer.from('{"event":"MessageNew","uri":')],
    ['empty stdin', Buffer.alloc(0)],
    ['1 MB of garbage', Buffer.from(Array.from({length: 1 << 20}, (_, i) => (i * 7919) % 251))],
    ['invalid UTF-8', Buffer.from([0x7b, 0x22, 0x65, 0x76, 0x65, 0x6e, 0x74, 0x22, 0x3a, 0x22, 0xc3, 0x28, 0x22, 0x7d, 0x0a])],
  ])('quarantines %s, exits 0, and loses nothing else', async (_name, input) => {
    const good = readFileSync(join(SPECIMENS, specimens[0] as string));
    expect((await dealer(good, NOTIFYD_ARGV(), env)).code).toBe(0);
    const ran = await dealer(input, NOTIFYD_ARGV(), env);
    expect(ran.code).toBe(0);
    expect(ran.stdout).toBe('');
    const s = await status(catalog, env);
    expect(s.queue.pending).toBe(1);
    expect(s.queue.quarantined).toBe(1);
    const kept = rows<{raw: Buffer; error: string; source: string}>('SELECT raw, error, source FROM quarantine');
    expect(kept[0]?.raw.equals(input)).toBe(true);
    expect(kept[0]?.source).toBe('notify_external');
    expect(readFileSync(join(home, 'dealer.log'), 'utf8')).toMatch(/quarantined/);
  });

  it('spills when the catalog stays locked past the bound, and the drain queues it exactly once', async () => {
    const locker = spawn(process.execPath, [
      '-e',
      `const D = require(${JSON.stringify(require.resolve('better-sqlite3'))}); const db = new D(${JSON.stringify(catalog)});
       db.exec('BEGIN EXCLUSIVE'); process.stdout.write('locked\\n'); process.stdin.on('end', () => { db.exec('COMMIT'); db.close(); }); process.stdin.resume();`,
    ]);
    await new Promise<void>((resolve) => locker.stdout.once('data', () => resolve()));
    const event = readFileSync(join(SPECIMENS, '65-MessageNew.json'));
    const ran = await dealer(event, NOTIFYD_ARGV('MessageNew'), {...env, BONNIE_DEALER_TIMEOUT: '500ms'});
    // The dealer gave up at the bound while the lock was still held (it is released only now).
    expect(locker.exitCode).toBeNull();
    locker.stdin.end();
    expect(ran.code).toBe(0);
    expect(ran.stdout).toBe('');
    const spilled = readdirSync(join(home, 'spill')).filter((name) => name.endsWith('.spill'));
    expect(spilled).toHaveLength(1);
    expect(statSync(join(home, 'spill', spilled[0] as string)).mode & 0o777).toBe(0o640);
    expect(readFileSync(join(home, 'dealer.log'), 'utf8')).toMatch(/spilled to/);
    await new Promise((resolve) => locker.on('exit', resolve));

    expect((await status(catalog, env)).spill.files).toBe(1);
    const drain = await bonnie(['dealer', '--drain-spill', '--json'], {env});
    expect(drain.code, drain.stderr).toBe(0);
    expect(JSON.parse(drain.stdout)).toMatchObject({mode: 'drain-spill', files: 1, queued: 1});
    const again = await bonnie(['dealer', '--drain-spill', '--json'], {env});
    expect(JSON.parse(again.stdout)).toMatchObject({files: 0, queued: 0});
    const s = await status(catalog, env);
    expect(s.queue.pending).toBe(1);
    expect(s.spill.files).toBe(0);
    expect(rows<{raw: Buffer; source: string}>('SELECT raw, source FROM notification')).toEqual([{raw: event.subarray(0, event.length - 1), source: 'notify_external'}]);
  });

  it('spills when there is no catalog at all; the drain refuses to make one, and queues once it exists', async () => {
    const missing = join(home, 'elsewhere', 'catalog.db');
    const ran = await dealer(readFileSync(join(SPECIMENS, '01-Login.json')), NOTIFYD_ARGV('Login'), {...env, BONNIE_CATALOG: missing});
    expect(ran.code).toBe(0);
    expect(readdirSync(join(home, 'elsewhere', 'spill'))).toHaveLength(1);
    const refused = await bonnie(['dealer', '--drain-spill', '--json', '--catalog', missing], {env});
    expect(refused.code).toBe(4);
    expect(JSON.parse(refused.stdout)).toMatchObject({error: {code: 'CatalogMissing'}});
    expect(readdirSync(join(home, 'elsewhere', 'spill'))).toHaveLength(1);
    expect((await bonnie(['init', '--catalog', missing], {env})).code).toBe(0);
    const drain = await bonnie(['dealer', '--drain-spill', '--json', '--catalog', missing], {env});
    expect(JSON.parse(drain.stdout)).toMatchObject({files: 1, queued: 1});
  });

  it('keeps the catalog and log_file of its configuration file when another line is wrong, and logs each bad line', async () => {
    // Production: notifyd's environment names no catalog; the file does. Before, one bad line made the
    // dealer drop the whole file and spill to the default folder (/var/lib/bonnie/spill).
    const dir = tempDir();
    const log = join(dir, 'from-file.log');
    const conf = join(dir, 'bonnie.conf');
    writeFileSync(conf, `# bonnie\ncatalog: ${catalog}\nlog_file: ${log}\ncatalgo: /nowhere\ndealer_timeout: forever\nthis is not a setting\n`);
    const ran = await dealer(readFileSync(join(SPECIMENS, '01-Login.json')), NOTIFYD_ARGV('Login'), {BONNIE_CONFIG: conf});
    expect(ran.code).toBe(0);
    expect(ran.stdout).toBe('');
    expect((await status(catalog, env)).queue.pending).toBe(1);
    expect(spillFiles(join(home, 'spill'))).toEqual([]);
    const logged = readFileSync(log, 'utf8');
    expect(logged).toContain(`${conf} line 4: unknown key "catalgo"`);
    expect(logged).toContain(`dealer_timeout (${conf} line 5): "forever" is not a duration`);
    expect(logged).toContain(`${conf} line 6: expected "key: value"`);
    // The CLI stays strict about the same file.
    const strict = await bonnie(['status', '--json'], {env: {BONNIE_CONFIG: conf}});
    expect(strict.code).toBe(3);
    expect(JSON.parse(strict.stdout)).toMatchObject({error: {code: 'ConfigInvalid', message: expect.stringContaining('line 4')}});
  });

  it('ignores a mistake in the LDAP settings: capture does not use the directory', async () => {
    const ran = await dealer(readFileSync(join(SPECIMENS, '01-Login.json')), NOTIFYD_ARGV('Login'), {...env, BONNIE_LDAP_URL: 'http://not-ldap', BONNIE_LDAP_TIMEOUT: 'soon'});
    expect(ran.code).toBe(0);
    expect((await status(catalog, env)).queue.pending).toBe(1);
  });

  it('stores with the defaults of the values the environment gets wrong, and logs them', async () => {
    const ran = await dealer(readFileSync(join(SPECIMENS, '01-Login.json')), NOTIFYD_ARGV('Login'), {...env, BONNIE_DEALER_TIMEOUT: 'soon', BONNIE_MAX_ATTEMPTS: 'many'});
    expect(ran.code).toBe(0);
    expect((await status(catalog, env)).queue.pending).toBe(1);
    expect(spillFiles(join(home, 'spill'))).toEqual([]);
    const logged = readFileSync(join(home, 'dealer.log'), 'utf8');
    expect(logged).toMatch(/dealer_timeout \(environment variable BONNIE_DEALER_TIMEOUT\): "soon" is not a duration/);
    expect(logged).toMatch(/max_attempts \(environment variable BONNIE_MAX_ATTEMPTS\): "many"/);
  });

  it('refuses to drain a spill folder another catalog claimed, and leaves its files for that catalog', async () => {
    // Two Cyrus instances given one spill folder: each catalog must get only its own events.
    const shared = join(home, 'shared-spill');
    const other = join(home, 'other.db');
    expect((await bonnie(['init', '--catalog', other], {env})).code).toBe(0);
    const away = {...env, BONNIE_SPILL: shared, BONNIE_CATALOG: join(home, 'locked-away', 'none.db')};
    const ran = await dealer(readFileSync(join(SPECIMENS, '01-Login.json')), NOTIFYD_ARGV('Login'), away);
    expect(ran.code).toBe(0);
    expect(spillFiles(shared)).toHaveLength(1);
    const mine = await bonnie(['dealer', '--drain-spill', '--json'], {env: {...env, BONNIE_SPILL: shared}});
    expect(JSON.parse(mine.stdout)).toMatchObject({files: 1, queued: 1});
    expect((await dealer(readFileSync(join(SPECIMENS, '01-Login.json')), NOTIFYD_ARGV('Login'), away)).code).toBe(0);
    const theirs = await bonnie(['dealer', '--drain-spill', '--json', '--catalog', other], {env: {...env, BONNIE_SPILL: shared}});
    expect(theirs.code).toBe(3);
    expect(JSON.parse(theirs.stdout)).toMatchObject({error: {code: 'SpillFolderShared'}});
    expect(JSON.parse(theirs.stdout).error.hint).toContain('its own spill folder');
    expect(spillFiles(shared)).toHaveLength(1);
    expect(queryCatalog<{n: number}>(other, 'SELECT count(*) AS n FROM notification')).toEqual([{n: 0}]);
    const processed = await bonnie(['process', '--json', '--catalog', other], {env: {...env, BONNIE_SPILL: shared}});
    expect(JSON.parse(processed.stdout)).toMatchObject({error: {code: 'SpillFolderShared'}});
    expect(spillFiles(shared)).toHaveLength(1);
  });

  it("refuses another application's SQLite file: the event is spilled, the file left as it was", async () => {
    const foreign = join(home, 'other-app.db');
    const db = new Database(foreign);
    db.exec('CREATE TABLE contacts (id INTEGER PRIMARY KEY, name TEXT); INSERT INTO contacts (name) VALUES (\'x\')');
    db.close();
    const before = readFileSync(foreign);
    const ran = await dealer(readFileSync(join(SPECIMENS, '01-Login.json')), NOTIFYD_ARGV('Login'), {...env, BONNIE_CATALOG: foreign});
    expect(ran.code).toBe(0);
    expect(spillFiles(join(home, 'spill'))).toHaveLength(1);
    expect(readFileSync(join(home, 'dealer.log'), 'utf8')).toContain('is not a bonnie catalog');
    expect(readFileSync(foreign).equals(before)).toBe(true);
    const drain = await bonnie(['dealer', '--drain-spill', '--json', '--catalog', foreign], {env});
    expect(drain.code).toBe(4);
    expect(JSON.parse(drain.stdout)).toMatchObject({error: {code: 'CatalogForeign', exit: 4}});
    expect(readFileSync(foreign).equals(before)).toBe(true);
  });

  it('stores all of two hundred dealers started at once', async () => {
    const base = JSON.parse(readFileSync(join(SPECIMENS, '65-MessageNew.json'), 'utf8')) as Record<string, unknown>;
    const runs = Array.from({length: 200}, (_, i) => dealer(`${JSON.stringify({...base, uri: `imap://imap.lab.test/user.alice;UIDVALIDITY=1795348438/;UID=${i + 1}`})}\n`, NOTIFYD_ARGV('MessageNew'), env));
    const results = await Promise.all(runs);
    expect(results.filter((r) => r.code !== 0 || r.stdout !== '')).toEqual([]);
    const s = await status(catalog, env);
    // Stored means in the queue, or safe in the spill folder when the bound was hit; then drained.
    expect(s.queue.pending + s.spill.files).toBe(200);
    if (s.spill.files > 0) await bonnie(['dealer', '--drain-spill'], {env});
    expect((await status(catalog, env)).queue.pending).toBe(200);
    expect(rows<{n: number}>('SELECT count(DISTINCT raw) AS n FROM notification')[0]?.n).toBe(200);
  }, 300_000);
});

describe('bin/bonnie-dealer start-up', () => {
  it('loads only its bundle and the SQLite addon: no oclif, no React', async () => {
    const record = join(home, 'modules.txt');
    const preload = new URL('../helpers/record-modules.cjs', import.meta.url).pathname;
    const ran = await dealer(readFileSync(join(SPECIMENS, '01-Login.json')), NOTIFYD_ARGV('Login'), {...env, NODE_OPTIONS: `--require ${preload}`, RECORD_MODULES_TO: record});
    expect(ran.code).toBe(0);
    const loaded = readFileSync(record, 'utf8').split('\n').filter((p) => p !== preload);
    expect(loaded.map((p) => p.replace(/^.*\/(dist|node_modules)\//, '$1/'))).toEqual(['dist/bonnie-dealer.cjs', 'node_modules/better-sqlite3/build/Release/better_sqlite3.node']);
    expect((await status(catalog, env)).queue.pending).toBe(1);
  });
});
