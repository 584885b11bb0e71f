/**
 * Issue 16, item 1, as an administrator runs it (the built CLI, as root: CI runs as root): warrants in a
 * store of their own, root's only; add, list, end; a LIID used once; a store others could read refused
 * with the fix; an edited log entry found by verify-log. As another user, every intercept command is refused.
 */
import {chmodSync, existsSync} from 'node:fs';
import {join} from 'node:path';
import Database from 'better-sqlite3';
import {beforeEach, describe, expect, it} from 'vitest';
import {bonnie} from '../helpers/run.js';
import {useTempDirs} from '../helpers/tmp.js';

const tempDir = useTempDirs();
const isRoot = process.geteuid?.() === 0;
let store: string;
let env: NodeJS.ProcessEnv;

beforeEach(() => {
  const home = tempDir();
  store = join(home, 'intercept', 'intercept.db');
  env = {BONNIE_CONFIG: '/dev/null', BONNIE_CATALOG: join(home, 'catalog.db'), BONNIE_INTERCEPT_DB: store, SUDO_USER: 'carol'};
});

const WARRANT = ['--liid', 'DE-BKA-0042', '--agency', 'BKA', '--target', 'Alice', '--target', 'bob@example.com', '--start', '2026-01-01', '--end', '2099-01-01',
  '--hi2', 'tcp://127.0.0.1:9001', '--hi3', 'tcp://127.0.0.1:9002', '--auth-country', 'de', '--delivery-country', 'DE'];

interface Listed {
  intercepts: Array<{liid: string; state: string; authCountry: string; hi2: string; targets: Array<{given: string; login: string}>; createdBy: string; endedBy: string | null; endReason: string | null}>;
}

describe.runIf(isRoot)('bonnie intercept, as root', () => {
  it('adds a warrant, lists it, refuses its LIID again, ends it; the log stays intact', async () => {
    const added = await bonnie(['intercept', 'add', ...WARRANT], {env});
    expect(added.code, added.stderr).toBe(0);
    expect(added.stdout).toContain('DE-BKA-0042  active');
    expect(existsSync(env.BONNIE_CATALOG as string), 'nothing in the catalog').toBe(false);

    const listed = await bonnie(['intercept', 'list', '--json'], {env});
    expect(listed.code, listed.stderr).toBe(0);
    const {intercepts} = JSON.parse(listed.stdout) as Listed;
    expect(intercepts).toHaveLength(1);
    expect(intercepts[0]).toMatchObject({liid: 'DE-BKA-0042', state: 'active', authCountry: 'DE', hi2: 'tcp://127.0.0.1:9001', createdBy: 'root (sudo by carol)'});
    expect(intercepts[0]?.targets.map((t) => [t.given, t.login])).toEqual([['Alice', 'alice'], ['bob@example.com', 'bob@example.com']]);

    const again = await bonnie(['intercept', 'add', ...WARRANT], {env});
    expect(again.code).toBe(2);
    expect(again.stderr).toContain('LIID DE-BKA-0042 exists already');

    const ended = await bonnie(['intercept', 'end', 'DE-BKA-0042', '--reason', 'order revoked', '--json'], {env});
    expect(ended.code, ended.stderr).toBe(0);
    expect(JSON.parse(ended.stdout)).toMatchObject({state: 'over', endReason: 'order revoked', endedBy: 'root (sudo by carol)'});

    const verified = await bonnie(['intercept', 'verify-log'], {env});
    expect(verified.code, verified.stderr).toBe(0);
    expect(verified.stdout).toContain('2 entries, chain intact');
  });

  it('refuses bad input with the flag named', async () => {
    const bad = async (flag: string, value: string) => bonnie(['intercept', 'add', ...WARRANT.map((v, i) => (WARRANT[i - 1] === flag ? value : v))], {env});
    for (const [flag, value] of [['--liid', 'x'.repeat(26)], ['--auth-country', 'XX'], ['--hi2', 'http://h:1'], ['--end', '2025-01-01']] as const) {
      const ran = await bad(flag, value);
      expect(ran.code, `${flag} ${value}`).toBe(2);
      expect(ran.stderr).toContain(flag === '--end' ? '--end' : flag);
    }
    expect(existsSync(store)).toBe(false);
  });

  it('refuses a store that group or others may read, with the fix', async () => {
    expect((await bonnie(['intercept', 'add', ...WARRANT], {env})).code).toBe(0);
    chmodSync(store, 0o640);
    const ran = await bonnie(['intercept', 'list'], {env});
    expect(ran.code).toBe(1);
    expect(ran.stderr).toContain('has mode 0640');
    expect(ran.stderr).toContain(`hint: Only root may read warrants: chown root:root ${store} && chmod 0600 ${store}`);
  });

  it('finds an edited log entry', async () => {
    expect((await bonnie(['intercept', 'add', ...WARRANT], {env})).code).toBe(0);
    expect((await bonnie(['intercept', 'end', 'DE-BKA-0042', '--reason', 'done'], {env})).code).toBe(0);
    const db = new Database(store);
    db.prepare("UPDATE intercept_log SET entry = replace(entry, 'done', 'nothing') WHERE seq = 2").run();
    db.close();
    const ran = await bonnie(['intercept', 'verify-log', '--json'], {env});
    expect(ran.code).toBe(5);
    expect(JSON.parse(ran.stdout)).toMatchObject({error: {code: 'InterceptLogBroken', exit: 5}});
    expect(ran.stdout).toContain('broken at entry 2');
  });
});

describe.runIf(!isRoot)('bonnie intercept, not root', () => {
  it('is refused', async () => {
    const ran = await bonnie(['intercept', 'add', ...WARRANT], {env});
    expect(ran.code).toBe(1);
    expect(ran.stderr).toContain('root only');
    expect(existsSync(store)).toBe(false);
  });
});
