/**
 * The LDAP bind password: the first line of `ldap_password_file`, never a value in the configuration, the
 * environment or argv (which other users can read in /proc). Read each time the directory binds, so a
 * changed password is picked up on the next connection.
 */
import {readFileSync, statSync} from 'node:fs';
import type {LdapSettings} from '../../base/config/settings.js';
import {BonnieError, EXIT} from '../../base/errors.js';

/** Permission bits that let users outside the file's owner and group read it. */
const OTHERS_READ = 0o004;

/**
 * Reads the password from `ldap.passwordFile`. Calls `warn` when users other than the owner and group can
 * read the file. Throws BonnieError(ConfigUnreadable) naming the key and the file when the file is
 * missing, unreadable or empty.
 */
export function readLdapPassword(ldap: Pick<LdapSettings, 'passwordFile' | 'passwordFileSource'>, warn: (message: string) => void): string {
  const file = ldap.passwordFile;
  if (file === undefined) throw new Error('readLdapPassword: no ldap_password_file configured');
  return readPasswordFile({file, key: 'ldap_password_file', source: ldap.passwordFileSource, what: 'LDAP password'}, warn);
}

/** A password file named by a setting: its path, the setting's name and where it was set. */
export interface PasswordFile {
  file: string;
  /** The setting's name in the configuration file, e.g. imap_password_file. */
  key: string;
  /** Where the setting was made, e.g. `/etc/bonnie/bonnie.conf line 7`. */
  source: string | undefined;
  /** What the password is for, in messages: `LDAP password`, `IMAP admin password`. */
  what: string;
}

/** Reads the first line of a password file (see {@link readLdapPassword}, which it serves). */
export function readPasswordFile({file, key, source, what}: PasswordFile, warn: (message: string) => void): string {
  const where = `${key} (${source ?? 'configuration'})`;
  let text: string;
  try {
    const mode = statSync(file).mode;
    if ((mode & OTHERS_READ) !== 0) {
      const octal = (mode & 0o777).toString(8).padStart(4, '0');
      warn(`${where}: ${file} is readable by every user (mode ${octal}); chmod o-rwx ${file}`);
    }
    text = readFileSync(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new BonnieError('ConfigUnreadable', `${where}: cannot read the ${what} file ${file}: ${(error as Error).message}`, {
      exit: EXIT.config,
      hint:
        code === 'ENOENT'
          ? 'Create the file with the password on its first line (mode 0640, group of the user bonnie runs as), or correct ' + key + '.'
          : 'Let the user bonnie runs as read the file (owner or group), e.g. chgrp mail and chmod 0640.',
      cause: error,
    });
  }
  const password = text.split(/\r?\n/, 1)[0] ?? '';
  if (password === '') {
    throw new BonnieError('ConfigUnreadable', `${where}: the ${what} file ${file} is empty (the password is its first line)`, {
      exit: EXIT.config,
      hint: 'Write the password on the first line of the file.',
    });
  }
  return password;
}
