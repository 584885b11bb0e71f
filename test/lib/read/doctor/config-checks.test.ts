/** bonnie doctor's configuration checks, on fixture files. */
import {mkdirSync, writeFileSync} from 'node:fs';
import {join} from 'node:path';
import {describe, expect, it} from 'vitest';
import {checkConfiguration, checkPaths} from '../../../../src/lib/read/doctor/config-checks.js';
import {useTempDirs} from '../../../helpers/tmp.js';

const tempDir = useTempDirs();

describe('configuration checks', () => {
  it('names the file, line and key of a bad line, as every command would', () => {
    const file = join(tempDir(), 'bonnie.conf');
    writeFileSync(file, 'catalog: /x/catalog.db\nspoool: /var/spool\n');
    const {result, settings} = checkConfiguration({}, {}, file);
    expect(settings).toBeUndefined();
    expect(result).toMatchObject({id: 'config.file', level: 'error', found: `${file} line 2: unknown key "spoool"`});
    expect(result.fix).toMatch(/^Known keys: catalog, /);
  });

  it('lists every missing path, and a password file anyone can read', () => {
    const dir = tempDir();
    const file = join(dir, 'bonnie.conf');
    writeFileSync(file, 'spool: nowhere\npartitions: p2 p3\nimap_url: imap://127.0.0.1\nimap_password_file: imap.password\n');
    const {result, settings} = checkConfiguration({}, {}, file);
    expect(result.level).toBe('ok');
    const missing = checkPaths(settings!);
    expect(missing.level).toBe('error');
    expect(missing.found.split('; ')).toEqual([
      `spool ${join(dir, 'nowhere')}: does not exist`,
      `partitions ${join(dir, 'p2')}: does not exist`,
      `partitions ${join(dir, 'p3')}: does not exist`,
      `imap_password_file ${join(dir, 'imap.password')}: does not exist`,
    ]);
    for (const folder of ['nowhere', 'p2', 'p3']) mkdirSync(join(dir, folder));
    writeFileSync(join(dir, 'imap.password'), 'secret\n', {mode: 0o644});
    expect(checkPaths(settings!)).toMatchObject({level: 'warning', fix: `chmod 0640 ${join(dir, 'imap.password')}`});
  });
});
