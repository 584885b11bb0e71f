import {chmodSync, writeFileSync} from 'node:fs';
import {join} from 'node:path';
import {describe, expect, it} from 'vitest';
import {readLdapPassword} from '../../../../src/lib/sources/directory/password.js';
import {EXIT} from '../../../../src/lib/base/errors.js';
import {useTempDirs} from '../../../helpers/tmp.js';
import {thrownBonnieError} from '../../../helpers/catalog.js';

const tempDir = useTempDirs();

function passwordFile(text: string, mode = 0o640): string {
  const file = join(tempDir(), 'ldap.secret');
  writeFileSync(file, text);
  chmodSync(file, mode);
  return file;
}

function read(file: string) {
  const warnings: string[] = [];
  const password = readLdapPassword({passwordFile: file, passwordFileSource: '/etc/bonnie/bonnie.conf line 4'}, (m) => warnings.push(m));
  return {password, warnings};
}

const thrown = thrownBonnieError;

describe('readLdapPassword', () => {
  it('reads the first line, without its line break, blanks kept', () => {
    expect(read(passwordFile('s3cret\n')).password).toBe('s3cret');
    expect(read(passwordFile('s3cret')).password).toBe('s3cret');
    expect(read(passwordFile(' with blanks \r\nsecond line\n')).password).toBe(' with blanks ');
  });

  it('warns when every user can read the file', () => {
    expect(read(passwordFile('s3cret\n', 0o600)).warnings).toEqual([]);
    expect(read(passwordFile('s3cret\n', 0o640)).warnings).toEqual([]);
    const file = passwordFile('s3cret\n', 0o644);
    const {password, warnings} = read(file);
    expect(password).toBe('s3cret');
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain('ldap_password_file');
    expect(warnings[0]).toContain(file);
    expect(warnings[0]).toContain('0644');
  });

  it('names the key, where it was set and the file when the file is missing', () => {
    const missing = join(tempDir(), 'nope.secret');
    const error = thrown(() => read(missing));
    expect(error.code).toBe('ConfigUnreadable');
    expect(error.exit).toBe(EXIT.config);
    expect(error.message).toContain('ldap_password_file');
    expect(error.message).toContain('/etc/bonnie/bonnie.conf line 4');
    expect(error.message).toContain(missing);
    expect(error.hint).toContain('first line');
  });

  it('refuses an empty file or an empty first line', () => {
    expect(thrown(() => read(passwordFile(''))).message).toMatch(/ldap_password_file .* is empty/);
    expect(thrown(() => read(passwordFile('\nsecret\n'))).message).toContain('is empty');
  });

  it.skipIf(process.getuid?.() === 0)('names the file when it cannot be read (not as root: root reads anything)', () => {
    const file = passwordFile('s3cret\n', 0o000);
    const error = thrown(() => read(file));
    expect(error.code).toBe('ConfigUnreadable');
    expect(error.message).toContain(file);
    expect(error.hint).toContain('0640');
  });
});
