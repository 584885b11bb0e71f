/**
 * bonnie doctor on the lab: its Cyrus (notifyd running bin/bonnie-dealer, the lab's imapd.conf and
 * cyrus.conf), its catalog made by init --owner cyrus:mail, and IMAP and LDAP reached (and, with --login,
 * logged in to) on loopback.
 */
import {mkdtempSync, rmSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {afterAll, describe, expect, inject, it} from 'vitest';
import type {DoctorReport} from '../../src/lib/read/doctor/check.js';
import {bonnie} from '../helpers/run.js';

const lab = inject('lab');
const dir = mkdtempSync(join(tmpdir(), 'bonnie-doctor-live-'));
afterAll(() => rmSync(dir, {recursive: true, force: true}));

function env(): NodeJS.ProcessEnv {
  const imapPassword = join(dir, 'imap.password');
  writeFileSync(imapPassword, `${lab.admin.password}\n`, {mode: 0o600});
  const ldap = lab.ldap;
  if (ldap === undefined) throw new Error('the live lab runs with LDAP');
  const ldapPassword = join(dir, 'ldap.password');
  writeFileSync(ldapPassword, `${ldap.password}\n`, {mode: 0o600});
  return {
    BONNIE_CONFIG: '/dev/null',
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

describe('bonnie doctor on the lab', () => {
  it("finds the lab's Cyrus settings, catalog and servers right", async () => {
    const ran = await bonnie(['doctor', '--json', '--login', '--catalog', lab.catalog, '-C', lab.imapdConf, '-M', lab.cyrusConf], {env: env()});
    const report = JSON.parse(ran.stdout) as DoctorReport;
    const level = Object.fromEntries(report.checks.map((c) => [c.id, c.level]));
    const problems = report.checks.filter((c) => c.level === 'error');
    expect(problems).toEqual([]);
    expect(level).toMatchObject({
      'config.file': 'ok',
      'config.paths': 'ok',
      'system.owner': 'ok',
      'catalog.file': 'ok',
      'catalog.owner': 'ok',
      'cyrus.event-notifier': 'ok',
      'cyrus.event-groups': 'ok',
      'cyrus.event-extra-params': 'ok',
      'cyrus.event-exclude-specialuse': 'ok',
      'cyrus.notify-service': 'ok',
      'cyrus.notify-external': 'ok',
      'cyrus.notify-socket': 'ok',
      'reach.imap': 'ok',
      'reach.ldap': 'ok',
    });
    expect(report.checks.find((c) => c.id === 'reach.imap')?.found).toMatch(/; logged in as cyrus$/);
    expect(report.checks.find((c) => c.id === 'reach.ldap')?.found).toMatch(/; bound as .* and searched dc=lab,dc=test$/);
    expect([0, 6]).toContain(ran.code);
    expect(ran.code).toBe(report.exit);
  });

  it('says the notify line must go when the operator means to run bonnie dealer --listen', async () => {
    const ran = await bonnie(['doctor', '--json', '--catalog', lab.catalog, '-C', lab.imapdConf, '-M', lab.cyrusConf, '--capture', 'listen'], {env: env()});
    expect(ran.code).toBe(7);
    const service = (JSON.parse(ran.stdout) as DoctorReport).checks.find((c) => c.id === 'cyrus.notify-service');
    expect(service).toMatchObject({level: 'error', fix: `Remove the "notify" line from SERVICES in ${lab.cyrusConf} and restart Cyrus.`});
  });
});
