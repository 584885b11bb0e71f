/**
 * `bonnie process` on what the live Cyrus sent, with people resolved in the lab's OpenLDAP: dave's
 * address changes in the directory between two of his sessions, and he stays one person (his entryUUID)
 * with a version per change. Processing the shared lab's catalog also applies every event the other live
 * tests caused: none may fail.
 */
import {chmodSync, mkdtempSync, rmSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import Database from 'better-sqlite3';
import {Attribute, Change, Client} from 'ldapts';
import {afterAll, beforeAll, describe, expect, inject, it} from 'vitest';
import {lastEventId, waitForEvents} from '../harness/events.js';
import {imapClient} from '../harness/imap.js';
import type {LdapInfo} from '../harness/ldap.js';
import {bonnie} from '../helpers/run.js';

const lab = inject('lab');
const ldap = lab.ldap as LdapInfo;
const DAVE = `uid=dave,${ldap.peopleDn}`;
let dir: string;
let env: NodeJS.ProcessEnv;
let admin: Client;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'bonnie-process-ldap-'));
  const passwordFile = join(dir, 'ldap.secret');
  writeFileSync(passwordFile, `${ldap.password}\n`);
  chmodSync(passwordFile, 0o600);
  env = {BONNIE_CONFIG: '/dev/null', BONNIE_LDAP_URL: ldap.url, BONNIE_LDAP_BIND_DN: ldap.bindDn, BONNIE_LDAP_PASSWORD_FILE: passwordFile, BONNIE_LDAP_BASE_DN: ldap.baseDn};
  admin = new Client({url: ldap.url});
  await admin.bind(ldap.bindDn, ldap.password);
});

afterAll(async () => {
  await admin.modify(DAVE, new Change({operation: 'replace', modification: new Attribute({type: 'mail', values: ['dave@lab.test']})}));
  await admin.unbind();
  rmSync(dir, {recursive: true, force: true});
});

async function daveSession(): Promise<void> {
  const after = lastEventId(lab);
  const dave = await imapClient(lab, 'dave');
  await dave.logout();
  await waitForEvents(lab, (events) => events.some((e) => e.type === 'Logout' && e.event.user === 'dave'), {after});
}

async function processAll(): Promise<{done: number; failed: number; dead: number; remaining: number}> {
  const ran = await bonnie(['process', '--json', '--catalog', lab.catalog], {env});
  expect(ran.code, ran.stderr).toBe(0);
  return JSON.parse(ran.stdout) as {done: number; failed: number; dead: number; remaining: number};
}

describe('bonnie process with LDAP, on a live Cyrus', () => {
  it('keeps dave one person across a change of address, and applies every event of the lab', async () => {
    await daveSession();
    expect(await processAll()).toMatchObject({failed: 0, dead: 0, remaining: 0});

    await admin.modify(DAVE, new Change({operation: 'replace', modification: new Attribute({type: 'mail', values: ['dave.dalton@lab.test']})}));
    await daveSession();
    expect(await processAll()).toMatchObject({failed: 0, dead: 0, remaining: 0});

    const {searchEntries} = await admin.search(DAVE, {scope: 'base', attributes: ['entryUUID']});
    const uuid = String(searchEntries[0]?.entryUUID);
    const db = new Database(lab.catalog, {readonly: true});
    try {
      const versions = db.prepare('SELECT v.login, v.mail, v.valid_to IS NULL AS current FROM person p JOIN person_version v ON v.person_id = p.id WHERE p.key = ? ORDER BY v.id').all(uuid);
      expect(versions).toEqual([
        {login: 'dave', mail: 'dave@lab.test', current: 0},
        {login: 'dave', mail: 'dave.dalton@lab.test', current: 1},
      ]);
      const sessions = db.prepare("SELECT DISTINCT p.key FROM session s JOIN person p ON p.id = s.person_id WHERE s.login = 'dave' AND s.login_at IS NOT NULL").all();
      expect(sessions).toEqual([{key: uuid}]);
      // The lab's admin is not in the directory: identified by login.
      expect(db.prepare("SELECT count(*) AS n FROM person WHERE key = 'login:cyrus'").get()).toEqual({n: 1});
    } finally {
      db.close();
    }
    const verified = await bonnie(['verify', '--events', '--json', '--catalog', lab.catalog], {env});
    expect(JSON.parse(verified.stdout)).toMatchObject({sound: true});
  });
});
