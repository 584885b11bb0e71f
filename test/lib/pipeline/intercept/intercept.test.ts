/**
 * The interception store (issue 16, item 1): checks of what is typed, the store's file permissions, the
 * warrants and their hash-chained log. The permission checks need root (CI runs as root); as another user
 * they assert the refusal instead.
 */
import {chmodSync, mkdirSync, statSync} from 'node:fs';
import {join} from 'node:path';
import Database from 'better-sqlite3';
import {describe, expect, it} from 'vitest';
import {addIntercept, checkInterceptLog, endIntercept, listIntercepts, niceFor, type AddInput} from '../../../../src/lib/pipeline/intercept/intercept.js';
import {openInterceptStore, requireRoot} from '../../../../src/lib/pipeline/intercept/store-file.js';
import {checkCountry, checkLiid, checkTcpUrl} from '../../../../src/lib/pipeline/intercept/validate.js';
import {useTempDirs} from '../../../helpers/tmp.js';

const tempDir = useTempDirs();
const isRoot = process.geteuid?.() === 0;
const NOW = new Date('2026-12-07T12:00:00Z');

const input = (over: Partial<AddInput> = {}): AddInput => ({
  liid: 'DE-BKA-2026-0042', agency: 'BKA', targets: ['Alice'], start: '2026-12-08', end: '2027-03-08',
  hi2: 'tcp://192.0.2.10:9001', hi3: 'tcp://192.0.2.10:9002', authCountry: 'de', deliveryCountry: 'DE', ...over,
});
const settingsIn = (dir: string) => ({interceptDb: join(dir, 'intercept', 'intercept.db'), ldap: undefined});
const code = (f: () => unknown): string | undefined => {
  try {
    f();
  } catch (error) {
    return (error as {code?: string}).code;
  }
  return undefined;
};
const codeAsync = async (f: () => Promise<unknown>): Promise<string | undefined> => f().then(() => undefined, (error: unknown) => (error as {code?: string}).code);

describe("serve's priority", () => {
  it('is the given niceness while serve keeps up, Cyrus\' own from 1 s behind until it is within 0.25 s again', () => {
    const steps: Array<[number, number]> = [];
    let behind = false;
    for (const lag of [0, 400, 1000, 1500, 800, 300, 200, 900, 1001]) {
      const next = niceFor(lag, behind, 10);
      behind = next.behind;
      steps.push([lag, next.nice]);
    }
    expect(steps).toEqual([[0, 10], [400, 10], [1000, 10], [1500, 0], [800, 0], [300, 0], [200, 10], [900, 10], [1001, 0]]);
  });
});

describe('what an administrator types', () => {
  it('takes a LIID of 1 to 25 printable characters', () => {
    expect(checkLiid('A')).toBe('A');
    expect(checkLiid('x'.repeat(25))).toBe('x'.repeat(25));
    for (const bad of ['', 'x'.repeat(26), 'two words', 'é']) expect(code(() => checkLiid(bad)), bad).toBe('InterceptInvalid');
  });

  it('takes ISO 3166-1 country codes, in any case, and nothing else', () => {
    expect(checkCountry('de', '--auth-country')).toBe('DE');
    expect(checkCountry('XK', '--auth-country')).toBe('XK');
    for (const bad of ['XX', 'ZZ', 'EU', 'DEU', 'D', '12']) expect(code(() => checkCountry(bad, '--auth-country')), bad).toBe('InterceptInvalid');
  });

  it('takes tcp://host:port and nothing more', () => {
    expect(checkTcpUrl('tcp://192.0.2.10:9001', '--hi2')).toBe('tcp://192.0.2.10:9001');
    expect(checkTcpUrl('tcp://[2001:db8::1]:9001/', '--hi2')).toBe('tcp://[2001:db8::1]:9001');
    for (const bad of ['192.0.2.10:9001', 'http://h:1', 'tcp://h', 'tcp://u:p@h:1', 'tcp://h:1/x', 'tcp://h:1?a', 'tcp://h:99999']) {
      expect(code(() => checkTcpUrl(bad, '--hi2')), bad).toBe('InterceptInvalid');
    }
  });
});

describe.runIf(isRoot)('the store, as root', () => {
  it('creates a file 0600 in a folder 0700, stores the warrant with its targets, lists and ends it', async () => {
    const settings = settingsIn(tempDir());
    const added = await addIntercept(settings, input(), 'root (sudo by carol)', NOW);
    expect(added).toMatchObject({liid: 'DE-BKA-2026-0042', authCountry: 'DE', state: 'pending', createdBy: 'root (sudo by carol)', folder: null});
    expect(added.targets).toEqual([{given: 'Alice', personId: 'login:alice', login: 'alice', addresses: []}]);
    expect(statSync(settings.interceptDb).mode & 0o777).toBe(0o600);
    expect(statSync(join(settings.interceptDb, '..')).mode & 0o777).toBe(0o700);
    expect(listIntercepts(settings, new Date('2026-12-09T00:00:00Z')).map((i) => i.state)).toEqual(['active']);
    const ended = endIntercept(settings, 'DE-BKA-2026-0042', 'order revoked', 'root', new Date('2026-12-10T00:00:00Z'));
    expect(ended).toMatchObject({state: 'over', endedBy: 'root', endReason: 'order revoked'});
    expect(code(() => endIntercept(settings, 'DE-BKA-2026-0042', 'again', 'root', NOW))).toBe('InterceptUnknown');
    expect(checkInterceptLog(settings)).toEqual({checked: 2, firstProblem: null});
  });

  it('stores each target as the directory resolved it, with all the person\'s addresses; refuses an unknown one', async () => {
    const settings = settingsIn(tempDir());
    const alice = {id: 'uuid-a', dn: 'uid=alice,dc=example', uid: 'alice', mail: 'alice@example.com', aliases: ['a@example.com'], cn: 'Alice', groups: []};
    const directory = (known: boolean) => ({description: 'test', lookUp: async () => (known ? alice : undefined), close: async () => undefined});
    const added = await addIntercept(settings, input({targets: ['a@example.com']}), 'root', NOW, directory(true));
    expect(added.targets).toEqual([{given: 'a@example.com', personId: 'uuid-a', login: 'alice', addresses: ['alice@example.com', 'a@example.com']}]);
    expect(await codeAsync(() => addIntercept(settings, input({liid: 'B', targets: ['nobody']}), 'root', NOW, directory(false)))).toBe('InterceptInvalid');
  });

  it('refuses a LIID used before, an end before the start, a half or double delivery', async () => {
    const settings = settingsIn(tempDir());
    await addIntercept(settings, input(), 'root', NOW);
    expect(await codeAsync(() => addIntercept(settings, input(), 'root', NOW))).toBe('InterceptExists');
    expect(await codeAsync(() => addIntercept(settings, input({liid: 'B', end: '2026-12-01'}), 'root', NOW))).toBe('InterceptInvalid');
    expect(await codeAsync(() => addIntercept(settings, input({liid: 'C', hi3: undefined}), 'root', NOW))).toBe('InterceptInvalid');
    expect(await codeAsync(() => addIntercept(settings, input({liid: 'D', folder: '/srv/li'}), 'root', NOW))).toBe('InterceptInvalid');
    expect(await codeAsync(() => addIntercept(settings, input({liid: 'E', start: 'soon'}), 'root', NOW))).toBe('UsageInvalid');
    const folder = await addIntercept(settings, input({liid: 'F', hi2: undefined, hi3: undefined, folder: '/srv/li/F'}), 'root', NOW);
    expect(folder).toMatchObject({folder: '/srv/li/F', hi2: null, hi3: null});
    expect(listIntercepts(settings, NOW).map((i) => i.liid)).toEqual(['DE-BKA-2026-0042', 'F']);
  });

  it('refuses a file or a folder that group or others may use, and a missing store but to add', async () => {
    const settings = settingsIn(tempDir());
    expect(code(() => listIntercepts(settings, NOW))).toBe('InterceptStoreMissing');
    await addIntercept(settings, input(), 'root', NOW);
    chmodSync(settings.interceptDb, 0o640);
    expect(code(() => listIntercepts(settings, NOW))).toBe('InterceptStoreInsecure');
    chmodSync(settings.interceptDb, 0o600);
    chmodSync(join(settings.interceptDb, '..'), 0o750);
    expect(code(() => listIntercepts(settings, NOW))).toBe('InterceptStoreInsecure');
    const lax = join(tempDir(), 'lax');
    mkdirSync(lax, {mode: 0o755});
    chmodSync(lax, 0o755);
    expect(await codeAsync(() => addIntercept({interceptDb: join(lax, 'i.db'), ldap: undefined}, input(), 'root', NOW))).toBe('InterceptStoreInsecure');
  });

  it('refuses a catalog or another database as the store', () => {
    const dir = join(tempDir(), 'other');
    mkdirSync(dir, {mode: 0o700});
    const path = join(dir, 'x.db');
    const db = new Database(path);
    db.pragma('application_id = 1');
    db.exec('CREATE TABLE t (x)');
    db.close();
    chmodSync(path, 0o600);
    expect(code(() => openInterceptStore(path))).toBe('CatalogForeign');
  });

  it('finds an edited log entry', async () => {
    const settings = settingsIn(tempDir());
    await addIntercept(settings, input(), 'root', NOW);
    endIntercept(settings, 'DE-BKA-2026-0042', 'revoked', 'root', NOW);
    const db = new Database(settings.interceptDb);
    db.prepare("UPDATE intercept_log SET actor = 'nobody' WHERE seq = 1").run();
    db.close();
    expect(code(() => checkInterceptLog(settings))).toBe('InterceptLogBroken');
  });
});

describe('not root', () => {
  it('is refused before anything is touched', async () => {
    expect(code(() => requireRoot(1000))).toBe('InterceptNotRoot');
    const dir = tempDir();
    expect(code(() => openInterceptStore(join(dir, 'i', 'i.db'), {create: true, uid: 1000}))).toBe('InterceptNotRoot');
    if (!isRoot) expect(await codeAsync(() => addIntercept(settingsIn(dir), input(), 'me', NOW))).toBe('InterceptNotRoot');
  });
});
