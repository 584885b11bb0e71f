/**
 * Smoke test of the live lab: what a user does in a mail client and what an MTA delivers ends up in
 * bonnie's catalog, through notifyd and bin/bonnie-dealer exactly as in production; and the lab's
 * directory answers.
 */
import {mkdtempSync, rmSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {dirname, join} from 'node:path';
import {describe, expect, inject, it} from 'vitest';
import {lastEventId, waitForEvents} from '../harness/events.js';
import type {CapturedEvent} from '../harness/events.js';
import {imapClient} from '../harness/imap.js';
import {lmtpDeliver, testMessage} from '../harness/lmtp.js';
import {runCommand} from '../harness/process.js';

const lab = inject('lab');

/** Lower-cased: MessageAppend sends system flags in lower case (`\\flagged`), FACTS.md. */
const lower = (flags: string[]) => flags.map((f) => f.toLowerCase()).sort();

describe('capture from a live Cyrus', () => {
  it('stores what alice does over IMAP and what LMTP delivers to bob', async () => {
    const after = lastEventId(lab);
    const folder = `Smoke${Date.now()}`;

    const alice = await imapClient(lab, 'alice');
    await alice.mailboxCreate(folder);
    const appended = await alice.append(
      folder,
      testMessage({from: 'alice@lab.test', to: 'alice@lab.test', subject: 'smoke', messageId: `smoke-${folder}@lab.test`}),
      ['\\Flagged', '$Important'],
    );
    expect(appended && appended.uid).toBe(1);
    await alice.logout();

    const delivered = await lmtpDeliver(lab, {
      from: 'carol@lab.test',
      to: ['bob'],
      message: testMessage({from: 'carol@lab.test', to: 'bob@lab.test', subject: 'for bob', messageId: `smoke-bob-${folder}@lab.test`}),
    });
    expect(delivered.map((r) => r.code)).toEqual([250]);

    const isBobsNew = (e: CapturedEvent) => e.type === 'MessageNew' && e.event.mailbox?.name === 'user.bob';
    const events = await waitForEvents(lab, (es) => es.some(isBobsNew), {after});
    const of = (type: string) => events.filter((e) => e.type === type);

    // alice's session: Login ... Logout, with her folder's creation and the appended message in between.
    const login = of('Login').find((e) => e.event.user === 'alice');
    const logout = of('Logout').find((e) => e.event.user === 'alice');
    expect(login?.event.clientIp).toBe('127.0.0.1');
    expect(logout).toBeDefined();

    const created = of('MailboxCreate');
    expect(created.map((e) => e.event.mailbox?.name)).toEqual([`user.alice.${folder}`]);
    expect(created[0]?.event.user).toBe('alice');

    const appends = of('MessageAppend');
    expect(appends).toHaveLength(1);
    const append = appends[0] as CapturedEvent;
    expect(append.event.mailbox?.name).toBe(`user.alice.${folder}`);
    expect([...append.event.uids]).toEqual([1]);
    expect(lower(append.event.flags)).toEqual(lower(['\\Flagged', '$Important']));
    expect(append.event.envelope?.subject).toBe('smoke');
    // The folder's id is the same on its creation and on the message.
    expect(append.mailboxId).toBe(created[0]?.mailboxId);

    const ids = (e: CapturedEvent | undefined) => e?.id ?? -1;
    expect(ids(login)).toBeLessThan(ids(created[0]));
    expect(ids(created[0])).toBeLessThan(ids(append));
    expect(ids(append)).toBeLessThan(ids(logout));

    const news = of('MessageNew');
    expect(news).toHaveLength(1);
    expect(news[0]?.event.mailbox?.name).toBe('user.bob');
    // One UID, the folder's newest (other test files share the lab and may have delivered to bob before).
    const uidNext = news[0]?.event.uidNext ?? 0;
    expect(uidNext).toBeGreaterThan(1);
    expect([...(news[0]?.event.uids ?? [])]).toEqual([uidNext - 1]);
    expect(news[0]?.event.envelope?.subject).toBe('for bob');

    // Every notification came through notifyd's external program and was stored, none quarantined.
    expect(events.every((e) => e.source === 'notify_external')).toBe(true);
  });
});

describe('the lab directory (OpenLDAP)', () => {
  it('finds alice with her entryUUID, mail and aliases', async () => {
    const ldap = lab.ldap;
    if (ldap === undefined) throw new Error('the live lab was started without LDAP');
    const found = await runCommand('ldapsearch', ['-x', '-LLL', '-H', ldap.url, '-b', ldap.baseDn, '(uid=alice)', 'entryUUID', 'mail', 'mailAlternateAddress']);
    expect(found.code, found.stderr).toBe(0);
    expect(found.stdout).toMatch(/^dn: uid=alice,ou=People,dc=lab,dc=test$/m);
    expect(found.stdout).toMatch(/^entryUUID: [0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/m);
    expect(found.stdout).toMatch(/^mail: alice@lab\.test$/m);
    expect(found.stdout.match(/^mailAlternateAddress: .*$/gm)?.sort()).toEqual(['mailAlternateAddress: a.archer@lab.test', 'mailAlternateAddress: alice.archer@lab.test']);
  });

  it('lets alice bind with her password, and knows her groups', async () => {
    const ldap = lab.ldap;
    if (ldap === undefined) throw new Error('the live lab was started without LDAP');
    const alice = ldap.people.find((p) => p.uid === 'alice');
    if (alice === undefined) throw new Error('no alice in the lab directory');
    // -y reads the password from a file (never argv, where ps shows it).
    const secret = join(mkdtempSync(join(tmpdir(), 'bonnie-ldap-')), 'password');
    writeFileSync(secret, alice.password, {mode: 0o600});
    const groups = await runCommand('ldapsearch', ['-x', '-LLL', '-H', ldap.url, '-D', alice.dn, '-y', secret, '-b', ldap.groupsDn, `(member=${alice.dn})`, 'cn']);
    rmSync(dirname(secret), {recursive: true, force: true});
    expect(groups.code, groups.stderr).toBe(0);
    expect(groups.stdout.match(/^cn: .*$/gm)?.sort()).toEqual(['cn: sales', 'cn: staff']);
  });
});
