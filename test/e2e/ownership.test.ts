/**
 * Root and the catalog's owner share one installation (root only, real users: test/helpers/system-users.ts).
 * Root runs `bonnie archive`; the owner (cyrus in production) must then still collect and verify. A tree
 * left owned by root is refused with PermissionDenied and the command that repairs it, and
 * `init --owner` repairs it, saying what it changed.
 */
import {chmodSync, chownSync, lstatSync, mkdirSync, readFileSync, readdirSync, statSync, symlinkSync, writeFileSync} from 'node:fs';
import {dirname, join} from 'node:path';
import {describe, expect, it} from 'vitest';
import {openCatalog} from '../../src/lib/base/catalog/catalog.js';
import {messagePath} from '../../src/lib/sources/cyrus/partition.js';
import {Ingester} from '../../src/lib/pipeline/queue/ingest.js';
import {lookUpGroup, lookUpUser} from '../../src/lib/base/system/accounts.js';
import {BIN_RUN, SPECIMENS} from '../helpers/paths.js';
import {bonnie, type Ran} from '../helpers/run.js';
import {isRoot, OWNER, runAs, useSystemUsers} from '../helpers/system-users.js';
import {useTempDirs} from '../helpers/tmp.js';
import {writeSite} from '../lib/pipeline/snapshot/spool-fixture.js';

const tempDir = useTempDirs();
const noConfig = {BONNIE_CONFIG: '/dev/null'};
const INBOX = '76yzkoa5vpplgcimbgeofaee'; // alice's INBOX in the specimens

interface Installation {
  catalog: string;
  archive: string;
  spill: string;
  /** The collector's spool: alice's INBOX UID 1, which the queued MessageAppend names. */
  spool: string;
  args: string[];
}

/** `init --owner OWNER:mail` as root, one MessageAppend queued, a spool for it and a site for `bonnie archive`. */
async function install(): Promise<Installation & {site: ReturnType<typeof writeSite>}> {
  const dir = tempDir();
  chmodSync(dir, 0o755); // mkdtemp makes it 0700: the owner must get through
  const home = join(dir, 'bonnie');
  const catalog = join(home, 'catalog.db');
  const init = await bonnie(['init', '--catalog', catalog, '--owner', `${OWNER}:mail`], {env: noConfig});
  expect(init.code, init.stderr).toBe(0);
  const db = openCatalog(catalog);
  const append = readdirSync(SPECIMENS).filter((f) => f.endsWith('.json')).sort()[14] as string; // 15-MessageAppend
  new Ingester(db.db).ingest([{raw: readFileSync(join(SPECIMENS, append)), receivedAt: 1000, source: 'stdin'}]);
  db.close();
  const spool = join(dir, 'cyrus-spool');
  const file = messagePath(spool, INBOX, 1);
  mkdirSync(dirname(file), {recursive: true});
  writeFileSync(file, 'Subject: hi\r\n\r\nhello\r\n');
  chownTree(spool, ids().uid, ids().gid); // Cyrus' spool is cyrus'
  const site = writeSite(dir);
  const archive = join(home, 'archive');
  return {catalog, archive, spill: join(home, 'spill'), spool, site, args: ['--catalog', catalog, '--archive', archive]};
}

const ids = () => ({uid: (lookUpUser(OWNER) as {uid: number}).uid, gid: lookUpGroup('mail') as number});

function chownTree(path: string, uid: number, gid: number, mode?: {folder: number; file: number}): void {
  const stats = lstatSync(path);
  chownSync(path, uid, gid);
  if (mode !== undefined) chmodSync(path, stats.isDirectory() ? mode.folder : mode.file);
  if (stats.isDirectory()) for (const name of readdirSync(path)) chownTree(join(path, name), uid, gid, mode);
}

/** Every file and folder below `root` (and root), with owner and mode. */
function listTree(root: string): Array<{path: string; uid: number; gid: number; mode: number}> {
  const stats = statSync(root);
  const here = {path: root, uid: stats.uid, gid: stats.gid, mode: stats.mode & 0o7777};
  return stats.isDirectory() ? [here, ...readdirSync(root).flatMap((name) => listTree(join(root, name)))] : [here];
}

const asOwner = (args: string[]) => runAs(OWNER, [BIN_RUN, ...args]);
const jsonError = (ran: Ran) => (JSON.parse(ran.stdout) as {error: {code: string; message: string; hint: string}}).error;

describe.skipIf(!isRoot)('root and the catalog\'s owner share the archive', () => {
  useSystemUsers();

  it('root archives; what it created is the owner\'s, who then collects and verifies', async () => {
    const setup = await install();
    const archived = await bonnie(['archive', '--all', '--spool', setup.site.main, ...setup.args, '--json'], {env: {...noConfig, BONNIE_PARTITIONS: setup.site.second}});
    expect(archived.code, archived.stderr).toBe(0);
    expect(JSON.parse(archived.stdout)).toMatchObject({stored: 6});

    const {uid, gid} = ids();
    const tree = listTree(dirname(setup.catalog));
    expect(tree.filter((f) => f.path.endsWith('.tar')).length).toBeGreaterThan(0);
    expect(tree.filter((f) => f.uid !== uid || f.gid !== gid)).toEqual([]);

    const collected = await asOwner(['collector', '--spool', setup.spool, ...setup.args, '--json']);
    expect(collected.code, collected.stderr + collected.stdout).toBe(0);
    expect(JSON.parse(collected.stdout)).toMatchObject({collected: 1, failed: 0});
    const verified = await asOwner(['verify', '--read-data', ...setup.args, '--json']);
    expect(verified.code, verified.stderr + verified.stdout).toBe(0);
    expect(JSON.parse(verified.stdout)).toMatchObject({archive: {segments: 2, blobsRead: 7, sound: true}});
  });

  it('refuses a tree left to root with PermissionDenied and the repair; init --owner repairs it and lists what it changed', async () => {
    const setup = await install();
    const archived = await bonnie(['archive', '--all', '--spool', setup.site.main, ...setup.args], {env: {...noConfig, BONNIE_PARTITIONS: setup.site.second}});
    expect(archived.code, archived.stderr).toBe(0);
    // What an older bonnie run by root (umask 077) left, and a link root must not follow.
    chownTree(setup.archive, 0, 0, {folder: 0o700, file: 0o600});
    chmodSync(setup.archive, 0o755);
    const outside = join(dirname(dirname(setup.catalog)), 'outside');
    writeFileSync(outside, 'root only', {mode: 0o600});
    symlinkSync(outside, join(setup.spill, 'link'));

    const human = await asOwner(['verify', '--read-data', ...setup.args]);
    expect(human.stderr).toMatch(/^bonnie: cannot read segment .*\nhint: Run "sudo bonnie init --owner/m);
    const verify = await asOwner(['verify', '--read-data', ...setup.args, '--json']);
    expect(verify.code).toBe(1);
    const error = jsonError(verify);
    expect(error.code).toBe('PermissionDenied');
    expect(error.message).toMatch(/segments\/ is owned by root:root \(mode 0700\) and bonnie runs as bonnie-test-owner/);
    expect(error.hint).toContain(`sudo bonnie init --owner ${OWNER}:mail`);
    const collector = await asOwner(['collector', '--spool', setup.spool, ...setup.args, '--json']);
    expect(collector.code, collector.stderr + collector.stdout).toBe(1);
    expect(jsonError(collector)).toMatchObject({code: 'PermissionDenied', hint: expect.stringContaining(`init --owner ${OWNER}:mail`)});

    const repaired = await bonnie(['init', '--catalog', setup.catalog, '--owner', `${OWNER}:mail`, '--json'], {env: noConfig});
    expect(repaired.code, repaired.stderr).toBe(0);
    const {changed} = JSON.parse(repaired.stdout) as {changed: Array<{path: string; from: string; to: string}>};
    const segments = join(setup.archive, 'segments');
    expect(changed).toContainEqual({path: segments, from: 'root:root 0700', to: `${OWNER}:mail 0750`});
    // The one segment root's archive wrote (the collector's was refused).
    expect(changed.filter((c) => c.path.endsWith('.tar')).map((c) => [c.from, c.to])).toEqual([['root:root 0600', `${OWNER}:mail 0640`]]);
    expect(statSync(outside).uid).toBe(0);
    expect(statSync(outside).mode & 0o777).toBe(0o600);

    const sound = await asOwner(['verify', '--read-data', ...setup.args]);
    expect(sound.code, sound.stdout + sound.stderr).toBe(0);
    const collected = await asOwner(['collector', '--spool', setup.spool, ...setup.args, '--json']);
    expect(collected.code, collected.stderr + collected.stdout).toBe(0);
    expect(JSON.parse(collected.stdout)).toMatchObject({collected: 1});

    const again = await bonnie(['init', '--catalog', setup.catalog, '--owner', `${OWNER}:mail`], {env: noConfig});
    expect(again.stdout).toContain('nothing to repair: owners and modes were right');

    // Root's init without --owner gives root's leftovers the catalog's owner too.
    const tar = changed.find((c) => c.path.endsWith('.tar'))?.path as string;
    chownSync(tar, 0, 0);
    const plain = await bonnie(['init', '--catalog', setup.catalog, '--json'], {env: noConfig});
    expect((JSON.parse(plain.stdout) as {changed: unknown[]}).changed).toEqual([{path: tar, from: 'root:root 0640', to: `${OWNER}:mail 0640`}]);
  });
});
