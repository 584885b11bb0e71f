/**
 * A private OpenLDAP directory for the lab: `slapd` (Debian 12's 2.5) on a free loopback port, configured
 * by a slapd.conf in its own folder (`-f`, not the cn=config tree in /etc/ldap), one mdb database
 * `dc=lab,dc=test` loaded with `slapadd` before the start: ou=People (inetOrgPerson + mail aliases) and
 * ou=Groups (groupOfNames). slapd runs as root (no `-u`): the folder is the lab's, nobody else needs it.
 *
 * `entryUUID` (RFC 4530) is an operational attribute slapadd generates for every entry; bonnie will use it
 * as a person's stable identity (names and addresses change).
 */
import {createHash, randomBytes} from 'node:crypto';
import {chmodSync, mkdirSync, writeFileSync} from 'node:fs';
import {join} from 'node:path';
import {LAB_GROUPS, LAB_PEOPLE, LAB_USERS} from './accounts.js';
import {canConnect, freePorts, mustRun, readPidFile, stopProcess, waitUntil} from './process.js';

/** The directory's suffix. */
export const LDAP_BASE_DN = 'dc=lab,dc=test';

/**
 * The lab's schema: `mailAlternateAddress`, a person's other addresses, in the auxiliary class
 * `bonnieMailRecipient`. The OIDs are under 2.25.<UUID> (ITU-T X.667: an arc anyone may derive from a
 * random UUID without registration), generated once for this file:
 *   2.25.109228066828287945219917851050819484814.1.x  attribute types
 *   2.25.109228066828287945219917851050819484814.2.x  object classes
 */
export const LAB_SCHEMA = `# bonnie lab schema (test/harness/ldap.ts)
attributetype ( 2.25.109228066828287945219917851050819484814.1.1
  NAME 'mailAlternateAddress'
  DESC 'Other RFC 5321 addresses that deliver to this entry'
  EQUALITY caseIgnoreIA5Match
  SUBSTR caseIgnoreIA5SubstringsMatch
  SYNTAX 1.3.6.1.4.1.1466.115.121.1.26{256} )

objectclass ( 2.25.109228066828287945219917851050819484814.2.1
  NAME 'bonnieMailRecipient'
  DESC 'An entry that receives mail under other addresses'
  SUP top AUXILIARY
  MAY ( mailAlternateAddress ) )
`;

export interface LdapPerson {
  dn: string;
  uid: string;
  cn: string;
  mail: string;
  aliases: string[];
  password: string;
}

export interface LdapGroup {
  dn: string;
  cn: string;
  /** Member DNs. */
  members: string[];
}

/** A running lab directory, as plain data. */
export interface LdapInfo {
  /** `ldap://127.0.0.1:<port>` */
  url: string;
  host: string;
  port: number;
  /** The rootdn and its password: full access. */
  bindDn: string;
  password: string;
  baseDn: string;
  peopleDn: string;
  groupsDn: string;
  people: LdapPerson[];
  groups: LdapGroup[];
  /** slapd's pid. */
  pid: number;
}

export interface StartedLdap extends LdapInfo {
  /** Stops slapd (SIGTERM by pid, then SIGKILL); the folder is the caller's. */
  stop(): Promise<void>;
}

const SCHEMA_DIR = '/etc/ldap/schema';
const LDAP_START_TIMEOUT_MS = 20_000;
const ROOT_PASSWORD = 'ldap-lab-secret';

/** `{SSHA}` as slappasswd makes it: base64(SHA-1(password + salt) + salt), 8 bytes of salt. */
export function sshaHash(password: string): string {
  const salt = randomBytes(8);
  const digest = createHash('sha1').update(password).update(salt).digest();
  return `{SSHA}${Buffer.concat([digest, salt]).toString('base64')}`;
}

/** Starts slapd with its config and data in `dir` (created; the caller removes it). */
export async function startLdap(dir: string): Promise<StartedLdap> {
  mkdirSync(join(dir, 'data'), {recursive: true, mode: 0o700});
  chmodSync(dir, 0o700);
  const [port] = await freePorts(1);
  const host = '127.0.0.1';
  const url = `ldap://${host}:${port}`;
  const bindDn = `cn=admin,${LDAP_BASE_DN}`;
  const peopleDn = `ou=People,${LDAP_BASE_DN}`;
  const groupsDn = `ou=Groups,${LDAP_BASE_DN}`;
  const pidFile = join(dir, 'slapd.pid');
  const conf = join(dir, 'slapd.conf');

  writeFileSync(join(dir, 'bonnie-lab.schema'), LAB_SCHEMA);
  writeFileSync(
    conf,
    [
      '# private slapd for the bonnie lab (test/harness/ldap.ts); loopback only',
      ...['core', 'cosine', 'inetorgperson', 'nis'].map((s) => `include ${SCHEMA_DIR}/${s}.schema`),
      `include ${join(dir, 'bonnie-lab.schema')}`,
      `pidfile ${pidFile}`,
      `argsfile ${join(dir, 'slapd.args')}`,
      'modulepath /usr/lib/ldap',
      'moduleload back_mdb',
      'database mdb',
      `suffix "${LDAP_BASE_DN}"`,
      `rootdn "${bindDn}"`,
      `rootpw ${sshaHash(ROOT_PASSWORD)}`,
      `directory ${join(dir, 'data')}`,
      '# 64 MiB address space; the file grows only with the data',
      'maxsize 67108864',
      'index objectClass eq',
      'index uid,mail,mailAlternateAddress,member eq',
      'index entryUUID eq',
      'access to attrs=userPassword by self write by anonymous auth by * none',
      'access to * by * read',
      '',
    ].join('\n'),
    {mode: 0o600},
  );

  const people: LdapPerson[] = LAB_PEOPLE.map((p) => ({
    dn: `uid=${p.uid},${peopleDn}`,
    uid: p.uid,
    cn: `${p.givenName} ${p.sn}`,
    mail: p.mail,
    aliases: [...p.aliases],
    password: LAB_USERS[p.uid] ?? `${p.uid}-lab-secret`,
  }));
  const groups: LdapGroup[] = Object.entries(LAB_GROUPS).map(([cn, uids]) => ({
    dn: `cn=${cn},${groupsDn}`,
    cn,
    members: uids.map((uid) => `uid=${uid},${peopleDn}`),
  }));
  const entry = (lines: Array<string | undefined>) => lines.filter((l) => l !== undefined).join('\n');
  const ldif = [
    entry([`dn: ${LDAP_BASE_DN}`, 'objectClass: dcObject', 'objectClass: organization', 'dc: lab', 'o: bonnie lab']),
    entry([`dn: ${peopleDn}`, 'objectClass: organizationalUnit', 'ou: People']),
    entry([`dn: ${groupsDn}`, 'objectClass: organizationalUnit', 'ou: Groups']),
    ...LAB_PEOPLE.map((p, i) => {
      const person = people[i] as LdapPerson;
      return entry([
        `dn: ${person.dn}`,
        'objectClass: inetOrgPerson',
        'objectClass: bonnieMailRecipient',
        `uid: ${p.uid}`,
        `cn: ${person.cn}`,
        `givenName: ${p.givenName}`,
        `sn: ${p.sn}`,
        `mail: ${p.mail}`,
        ...p.aliases.map((a) => `mailAlternateAddress: ${a}`),
        `userPassword: ${sshaHash(person.password)}`,
      ]);
    }),
    ...groups.map((g) => entry([`dn: ${g.dn}`, 'objectClass: groupOfNames', `cn: ${g.cn}`, ...g.members.map((m) => `member: ${m}`)])),
  ].join('\n\n');
  // slapadd (offline, before the start) fills in entryUUID, entryCSN, createTimestamp... itself.
  const ldifFile = join(dir, 'lab.ldif');
  writeFileSync(ldifFile, `${ldif}\n`, {mode: 0o600});
  await mustRun('/usr/sbin/slapadd', ['-f', conf, '-l', ldifFile]);

  // slapd forks into the background after binding; its pid file says which process to stop.
  await mustRun('/usr/sbin/slapd', ['-f', conf, '-h', `${url}/`], {env: {PATH: '/usr/sbin:/usr/bin:/sbin:/bin'}});
  let pid: number | undefined;
  const stop = async () => {
    pid ??= readPidFile(pidFile);
    if (pid !== undefined) await stopProcess(pid, 'slapd');
  };
  try {
    await waitUntil('slapd to write its pid file', () => readPidFile(pidFile) !== undefined, LDAP_START_TIMEOUT_MS);
    pid = readPidFile(pidFile) as number;
    await waitUntil(`slapd to accept connections on ${host}:${port}`, () => canConnect(host, port as number), LDAP_START_TIMEOUT_MS);
  } catch (error) {
    await stop();
    throw error;
  }
  return {url, host, port: port as number, bindDn, password: ROOT_PASSWORD, baseDn: LDAP_BASE_DN, peopleDn, groupsDn, people, groups, pid, stop};
}
