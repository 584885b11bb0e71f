/** The catalog and bonnie's folders against the permission model, on catalogs made by initCatalog. */
import {chmodSync, chownSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync} from 'node:fs';
import {join} from 'node:path';
import Database from 'better-sqlite3';
import {describe, expect, it} from 'vitest';
import {initCatalog} from '../../../../src/lib/base/catalog/init.js';
import {loadSettings} from '../../../../src/lib/base/config/settings.js';
import {RESERVE_BYTES} from '../../../../src/lib/pipeline/capture/reserve.js';
import {checkCatalogFile, checkCatalogOwnership, checkDiskSpace, checkFolder, checkReserve, checkTree, type ExpectedOwner} from '../../../../src/lib/read/doctor/file-checks.js';
import {isRoot} from '../../../helpers/system-users.js';
import {useTempDirs} from '../../../helpers/tmp.js';

const tempDir = useTempDirs();
const me: ExpectedOwner = {user: 'me', group: 'mine', uid: process.getuid?.(), gid: process.getgid?.()};

function newCatalog(): {catalog: string; spill: string; archive: string} {
  const catalog = join(tempDir(), 'bonnie', 'catalog.db');
  const settings = loadSettings({catalog}, {}, '/dev/null');
  initCatalog(settings);
  return {catalog, spill: settings.spill, archive: settings.archive};
}

describe('catalog checks', () => {
  it('finds a catalog made by init right: current schema, files 0640, folders 0750, -wal and -shm present', () => {
    const {catalog, spill, archive} = newCatalog();
    expect(checkCatalogFile(catalog, me).level).toBe('ok');
    expect(checkCatalogOwnership(catalog, me).map((r) => [r.id, r.level])).toEqual([
      ['catalog.folder', 'ok'],
      ['catalog.owner', 'ok'],
    ]);
    expect(checkFolder('spill.folder', spill, me).level).toBe('ok');
    expect(checkTree('archive.folder', archive, me, {usedBy: 'collector'}).level).toBe('ok');
  });

  it('says how to make a missing catalog, and refuses another application\'s database', () => {
    const missing = join(tempDir(), 'none.db');
    expect(checkCatalogFile(missing, {...me, user: 'cyrus', group: 'mail'})).toMatchObject({level: 'error', fix: `bonnie init --catalog ${missing} --owner cyrus:mail`});
    const foreign = join(tempDir(), 'other.db');
    const db = new Database(foreign);
    db.exec('CREATE TABLE t (x)');
    db.close();
    expect(checkCatalogFile(foreign, me)).toMatchObject({level: 'error', found: expect.stringContaining('is not a bonnie catalog') as string});
  });

  it('names a catalog readable by everyone and a missing -shm, with the commands that repair them', () => {
    const {catalog} = newCatalog();
    chmodSync(catalog, 0o644);
    rmSync(`${catalog}-shm`);
    const owner = checkCatalogOwnership(catalog, me)[1];
    expect(owner?.level).toBe('error');
    expect(owner?.found).toContain(`${catalog}: mode 0644, not 0640`);
    expect(owner?.found).toContain(`${catalog}-shm is missing`);
    expect(owner?.fix).toContain(`chmod 0640 ${catalog} ${catalog}-wal ${catalog}-shm`);
    expect(owner?.fix).toContain(`bonnie init --catalog ${catalog} --owner me:mine`);
  });

  it('does not open a catalog whose -wal and -shm are missing (SQLite would create them): it reads the header', () => {
    const {catalog} = newCatalog();
    rmSync(`${catalog}-wal`);
    rmSync(`${catalog}-shm`);
    expect(checkCatalogFile(catalog, me)).toMatchObject({level: 'ok', found: expect.stringContaining("bonnie's application id, schema version") as string});
    expect([existsSync(`${catalog}-wal`), existsSync(`${catalog}-shm`)]).toEqual([false, false]);
    const header = readFileSync(catalog);
    header.writeUInt32BE(0x12345678, 68);
    writeFileSync(catalog, header);
    expect(checkCatalogFile(catalog, me)).toMatchObject({level: 'error', found: `${catalog} is not a bonnie catalog`});
  });

  it('names a folder with the wrong mode and gives chown and chmod', () => {
    const {spill} = newCatalog();
    chmodSync(spill, 0o755);
    expect(checkFolder('spill.folder', spill, me)).toMatchObject({level: 'error', found: `${spill}: mode 0755, not 0750`, fix: `chown me:mine ${spill} && chmod 0750 ${spill}`});
  });

  it.runIf(isRoot)('finds archive files another user made (root running bonnie archive)', () => {
    const {archive} = newCatalog();
    mkdirSync(join(archive, 'segments'), {mode: 0o750});
    writeFileSync(join(archive, 'segments', 'a.tar'), 'x');
    chownSync(join(archive, 'segments', 'a.tar'), 1, 1);
    expect(checkTree('archive.folder', archive, me, {usedBy: 'bonnie collector and archive'})).toMatchObject({level: 'error', found: expect.stringMatching(/^1 file\(s\) in .* are not owned by me .*segments\/a\.tar\): bonnie collector and archive fail on them$/) as string, fix: `chown -R me:mine ${archive}`});
  });

  it.runIf(isRoot)('names the owner a file should have', () => {
    const {catalog} = newCatalog();
    chownSync(catalog, 1, 1);
    expect(checkCatalogOwnership(catalog, me)[1]?.found).toContain(`owner uid 1, not me (${me.uid})`);
  });
});

describe('spill reserve and disk space', () => {
  it('warns when the reserve is missing or was used', () => {
    const spill = tempDir();
    expect(checkReserve(spill, me)).toMatchObject({level: 'warning', found: expect.stringContaining('is missing') as string});
    writeFileSync(join(spill, '.reserve'), Buffer.alloc(1024));
    expect(checkReserve(spill, me)).toMatchObject({level: 'warning', found: expect.stringContaining('it was used') as string});
    writeFileSync(join(spill, '.reserve'), Buffer.alloc(RESERVE_BYTES));
    expect(checkReserve(spill, me).level).toBe('ok');
  });

  it('is an error under 256 MiB free, a warning under 1 GiB or 5 %', () => {
    const fs = (freeMiB: number, totalMiB: number) => () => ({bavail: freeMiB * 256, bsize: 4096, blocks: totalMiB * 256});
    const path = tempDir();
    expect(checkDiskSpace(path, fs(100, 100_000)).level).toBe('error');
    expect(checkDiskSpace(path, fs(800, 100_000)).level).toBe('warning');
    expect(checkDiskSpace(path, fs(4000, 100_000)).level).toBe('warning');
    expect(checkDiskSpace(path, fs(40_000, 100_000)).level).toBe('ok');
  });
});
