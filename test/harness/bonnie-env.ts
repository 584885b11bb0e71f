/**
 * The environment the live tests run the built CLI with against the shared lab: its catalog and spool, an
 * archive of the test's own, the IMAP admin (password in a 0600 file) and the LDAP settings that every
 * test processing the shared catalog must use alike (process-ldap.test.ts's), so the record does not
 * depend on which test processed an event first.
 */
import {writeFileSync} from 'node:fs';
import {join} from 'node:path';
import type {LabInfo} from './lab.js';
import type {LdapInfo} from './ldap.js';

/** Writes the password files into `dir` and returns the environment. */
export function labBonnieEnv(lab: LabInfo, dir: string): NodeJS.ProcessEnv {
  const ldap = lab.ldap as LdapInfo;
  const imapPassword = join(dir, 'imap.password');
  writeFileSync(imapPassword, `${lab.admin.password}\n`, {mode: 0o600});
  const ldapPassword = join(dir, 'ldap.secret');
  writeFileSync(ldapPassword, `${ldap.password}\n`, {mode: 0o600});
  return {
    BONNIE_CONFIG: '/dev/null',
    BONNIE_CATALOG: lab.catalog,
    BONNIE_ARCHIVE: join(dir, 'archive'),
    BONNIE_SPOOL: join(lab.dir, 'var/spool/mail'),
    BONNIE_IMAP_URL: `imap://${lab.imap.host}:${lab.imap.port}`,
    BONNIE_IMAP_USER: lab.admin.user,
    BONNIE_IMAP_PASSWORD_FILE: imapPassword,
    BONNIE_LDAP_URL: ldap.url,
    BONNIE_LDAP_BIND_DN: ldap.bindDn,
    BONNIE_LDAP_PASSWORD_FILE: ldapPassword,
    BONNIE_LDAP_BASE_DN: ldap.baseDn,
  };
}
