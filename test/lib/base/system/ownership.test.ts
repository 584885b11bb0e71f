/**
 * What root creates under the catalog's folders gets the catalog's (or the folder's) owner, at every place
 * bonnie creates a file: segments, spill files, the reserve, the journal, the log. Root only: another user
 * cannot give files away. The owner here is nobody:nogroup (65534), so nothing depends on test users.
 */
import {chmodSync, chownSync, mkdirSync, readdirSync, statSync, symlinkSync, writeFileSync} from 'node:fs';
import {spawnSync} from 'node:child_process';
import {join} from 'node:path';
import {describe, expect, it} from 'vitest';
import {SegmentAppender, newSegmentId, segmentRelativePath} from '../../../../src/lib/store/archive/segment/segment-file.js';
import {encodeRecord, JournalWriter} from '../../../../src/lib/pipeline/capture/journal.js';
import {ensureReserve, reservePath} from '../../../../src/lib/pipeline/capture/reserve.js';
import {writeSpill} from '../../../../src/lib/pipeline/capture/spill.js';
import {BonnieError} from '../../../../src/lib/base/errors.js';
import {createLogger} from '../../../../src/lib/base/log/logger.js';
import {permissionDenied} from '../../../../src/lib/base/system/ownership.js';
import {repairTree} from '../../../../src/lib/base/system/repair-tree.js';
import {useTempDirs} from '../../../helpers/tmp.js';

const tempDir = useTempDirs();
const isRoot = process.getuid?.() === 0;
const NOBODY = 65534;
const owner = (path: string) => {
  const stats = statSync(path);
  return `${stats.uid}:${stats.gid}`;
};
const nobody = `${NOBODY}:${NOBODY}`;

/** A folder like /var/lib/bonnie after `init --owner`: it and the catalog file owned by nobody. */
function home(): {dir: string; catalog: string} {
  const dir = join(tempDir(), 'bonnie');
  mkdirSync(dir, {mode: 0o750});
  const catalog = join(dir, 'catalog.db');
  writeFileSync(catalog, '');
  chownSync(dir, NOBODY, NOBODY);
  chownSync(catalog, NOBODY, NOBODY);
  return {dir, catalog};
}

describe.skipIf(!isRoot)('files root creates get the catalog\'s owner', () => {
  it('a segment and the folders made for it', () => {
    const {dir, catalog} = home();
    const archive = join(dir, 'archive');
    mkdirSync(archive);
    chownSync(archive, NOBODY, NOBODY);
    const id = newSegmentId();
    const segment = SegmentAppender.create(archive, id, catalog);
    segment.seal();
    const path = join(archive, segmentRelativePath(id));
    expect([owner(path), owner(join(path, '..')), owner(join(archive, 'segments'))]).toEqual([nobody, nobody, nobody]);
  });

  it('a spill file, the reserve, the journal folder and its files', () => {
    const {dir} = home();
    const spill = join(dir, 'spill');
    const file = writeSpill(spill, {raw: Buffer.from('{}'), receivedAt: Date.now(), source: 'stdin'});
    expect([owner(spill), owner(file)]).toEqual([nobody, nobody]);
    expect(ensureReserve(spill, 4096)).toBe(true);
    expect(owner(reservePath(spill))).toBe(nobody);
    const journal = join(spill, 'journal');
    const writer = new JournalWriter(journal);
    writer.append(encodeRecord(Buffer.from('x'), Date.now()));
    writer.close();
    expect([owner(journal), ...readdirSync(journal).map((name) => owner(join(journal, name)))]).toEqual([nobody, nobody]);
  });

  it('a log file and its folder, after the reference the caller gives', () => {
    const {dir, catalog} = home();
    const file = join(dir, 'logs', 'dealer.log');
    const logger = createLogger({ident: 'test', file, reference: catalog});
    logger.log('info', 'hello');
    expect([owner(join(dir, 'logs')), owner(file)]).toEqual([nobody, nobody]);
  });

  it('leaves root\'s files root\'s when the catalog is root\'s', () => {
    const dir = tempDir();
    const catalog = join(dir, 'catalog.db');
    writeFileSync(catalog, '');
    const file = writeSpill(join(dir, 'spill'), {raw: Buffer.from('{}'), receivedAt: Date.now(), source: 'stdin'});
    expect(owner(file)).toBe('0:0');
  });
});

describe('repairTree', () => {
  it('sets folders 0750 and files 0640 and lists each change; a second run changes nothing', () => {
    const root = join(tempDir(), 'archive');
    mkdirSync(join(root, 'segments', 'ab'), {recursive: true, mode: 0o700});
    writeFileSync(join(root, 'segments', 'ab', 'x.tar'), '', {mode: 0o600});
    chmodSync(root, 0o755);
    const changes = repairTree(root, undefined);
    expect(changes.map((c) => [c.path.slice(root.length), c.from.split(' ')[1], c.to.split(' ')[1]])).toEqual([
      ['', '0755', '0750'],
      ['/segments', '0700', '0750'],
      ['/segments/ab', '0700', '0750'],
      ['/segments/ab/x.tar', '0600', '0640'],
    ]);
    expect(repairTree(root, undefined)).toEqual([]);
  });

  it.skipIf(!isRoot)('gives the tree the owner, and never follows a link nor touches a fifo', () => {
    const dir = tempDir();
    const root = join(dir, 'spill');
    mkdirSync(root);
    const outside = join(dir, 'shadow');
    writeFileSync(outside, 'secret', {mode: 0o600});
    symlinkSync(outside, join(root, 'link'));
    expect(spawnSync('mkfifo', [join(root, 'fifo')]).status).toBe(0);
    const changes = repairTree(root, {uid: NOBODY, gid: NOBODY});
    expect(changes.map((c) => c.path)).toEqual([root]);
    expect(owner(root)).toBe(nobody);
    expect([owner(outside), statSync(outside).mode & 0o777]).toEqual(['0:0', 0o600]);
  });
});

describe('permissionDenied', () => {
  it('names the file, its owner and mode, and the init --owner that gives the files back to the catalog\'s owner', () => {
    const dir = tempDir();
    const segment = join(dir, '0a1b.tar');
    writeFileSync(segment, '', {mode: 0o600});
    const catalog = join(dir, 'catalog.db');
    writeFileSync(catalog, '');
    if (isRoot) chownSync(catalog, NOBODY, NOBODY);
    const error = permissionDenied('read segment', segment, Object.assign(new Error('EACCES: permission denied'), {code: 'EACCES'}), catalog);
    expect(error).toBeInstanceOf(BonnieError);
    expect(error).toMatchObject({code: 'PermissionDenied', exit: 1});
    const me = spawnSync('id', ['-un'], {encoding: 'utf8'}).stdout.trim();
    expect(error.message).toMatch(new RegExp(`^cannot read segment ${segment}: permission denied \\(EACCES\\); 0a1b\\.tar is owned by ${me}:\\S+ \\(mode 0600\\) and bonnie runs as ${me} `));
    if (isRoot) expect(error.hint).toBe('Run "sudo bonnie init --owner nobody:nogroup" to give the catalog, archive, spill and journal back to nobody, then run bonnie as nobody (e.g. "sudo -u nobody bonnie ...").');
  });
});
