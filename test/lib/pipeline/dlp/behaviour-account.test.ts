/**
 * Issue 15, 3: the behaviour detectors mass_read, new_client_address and emptied_before_delete in
 * `bonnie process`, each with positives and near misses, on specimens of real Cyrus events.
 */
import {writeFileSync} from 'node:fs';
import {join} from 'node:path';
import {beforeEach, describe, expect, it} from 'vitest';
import {openCatalog, type Catalog} from '../../../../src/lib/base/catalog/catalog.js';
import {alertView, renderAlert} from '../../../../src/lib/pipeline/dlp/alert-report.js';
import {Alerts} from '../../../../src/lib/pipeline/dlp/alerts.js';
import {RuleSet} from '../../../../src/lib/pipeline/dlp/rules.js';
import {processQueue} from '../../../../src/lib/pipeline/process/engine.js';
import {NoDirectory} from '../../../../src/lib/sources/directory/types.js';
import {deliver, variant} from '../../../helpers/record.js';
import {useTempDirs} from '../../../helpers/tmp.js';

const tempDir = useTempDirs();
let catalog: Catalog;
beforeEach(() => {
  catalog = openCatalog(':memory:', {create: true});
});

const RULES = `rules:
  - name: mass-read
    severity: medium
    condition: {behaviour: mass_read, min_count: 50, within: 1m}
  - name: new-address
    severity: low
    condition: {behaviour: new_client_address}
  - name: emptied
    severity: high
    condition: {behaviour: emptied_before_delete, within: 1h, min_count: 10, min_fraction: 0.5}
`;

function ruleSet(): RuleSet {
  const file = join(tempDir(), 'dlp.yaml');
  writeFileSync(file, RULES);
  return RuleSet.load(file);
}

const run = () => processQueue(catalog, new NoDirectory(), {spillDir: '/nonexistent', maxAttempts: 3, dlpRules: ruleSet()});
const alerts = () => new Alerts(catalog.db).list().reverse();
const T0 = Date.parse('2026-11-22T12:00:00.000Z');
const at = (minutes: number) => new Date(T0 + minutes * 60_000).toISOString();
/** alice reads UIDs `uids` of her INBOX (\\Seen set). */
const read = (uids: string, minute: number) => variant(23, {uidset: uids, 'vnd.cmu.midset': [], timestamp: at(minute), 'vnd.cmu.sessionId': 's-read'});
const expunge = (uids: string, minute: number) => variant(49, {uidset: uids, 'vnd.cmu.midset': [], timestamp: at(minute), 'vnd.cmu.sessionId': 's-empty'});
const login = (ip: string, minute: number, session: string) => variant(1, {user: 'alice', clientIP: ip, timestamp: at(minute), 'vnd.cmu.sessionId': session});
/** The admin deletes alice's account (her INBOX's mailboxID). */
const deleteAccount = (minute: number) => variant(95, {mailboxID: '76yzkoa5vpplgcimbgeofaee', uri: 'imap://imap.lab.test/user.alice;UIDVALIDITY=1795348438', timestamp: at(minute)});

describe('mass_read', () => {
  it('raises one alert for 60 messages read within a minute, none for 10 or for 60 over an hour', async () => {
    deliver(catalog.db, [read('1:10', 0), read('100:159', 5)]);
    expect((await run()).dlpAlerts).toBe(1);
    expect(alerts()).toEqual([expect.objectContaining({rule: 'mass-read', behaviour: 'mass_read', login: 'alice', count: 60, sessionId: 's-read'})]);
    expect(renderAlert(alertView(alerts()[0]!))).toContain('60 message(s) read from');
  });

  it('does not count reads spread wider than the window', async () => {
    deliver(catalog.db, Array.from({length: 6}, (_, i) => read(`${i * 10 + 1}:${i * 10 + 10}`, i * 10)));
    expect((await run()).dlpAlerts).toBe(0);
  });
});

describe('new_client_address', () => {
  it('raises for a login from an address new for the person, not for the first login ever, nor a known address, nor twice', async () => {
    deliver(catalog.db, [login('192.0.2.1', 0, 's1'), login('192.0.2.1', 10, 's2'), login('198.51.100.7', 20, 's3'), login('198.51.100.7', 30, 's4'), login('192.0.2.1', 40, 's5')]);
    expect((await run()).dlpAlerts).toBe(1);
    const [alert, ...rest] = alerts();
    expect(rest).toEqual([]);
    expect(alert).toMatchObject({rule: 'new-address', behaviour: 'new_client_address', login: 'alice', clientIp: '198.51.100.7', sessionId: 's3', at: T0 + 20 * 60_000});
    expect(alert?.behaviourSummary).toMatchObject({earlierLogins: 2});
    expect(renderAlert(alertView(alert!))).toContain('login from 198.51.100.7, an address new for alice (2 earlier login(s)');
    // The same events again (a rerun): nothing new.
    deliver(catalog.db, [login('198.51.100.7', 50, 's6')]);
    expect((await run()).dlpAlerts).toBe(0);
  });

  it('takes nothing from another person\'s addresses', async () => {
    deliver(catalog.db, [variant(1, {user: 'bob', clientIP: '203.0.113.9', timestamp: at(0), 'vnd.cmu.sessionId': 'b1'}), login('192.0.2.1', 5, 's1'), login('203.0.113.9', 10, 's2')]);
    expect(alerts()).toEqual([]);
    expect((await run()).dlpAlerts).toBe(1);
    expect(alerts()[0]).toMatchObject({login: 'alice', clientIp: '203.0.113.9'});
  });
});

describe('emptied_before_delete', () => {
  it('raises when most of an account was expunged within the hour before its deletion', async () => {
    deliver(catalog.db, [read('1:20', 0), expunge('1:15', 30), deleteAccount(50)]);
    expect((await run()).dlpAlerts).toBe(1);
    const [alert] = alerts();
    expect(alert).toMatchObject({rule: 'emptied', behaviour: 'emptied_before_delete', login: 'alice', folder: 'user.alice', count: 15, sessionId: 's-empty'});
    expect(alert?.behaviourSummary).toMatchObject({held: 20, fraction: 0.75, deletedBy: 'cyrus', folders: ['user.alice']});
    expect(alert?.messages).toHaveLength(15);
    expect(renderAlert(alertView(alert!))).toContain('15 of 20 message(s) expunged from');
  });

  it('does not raise for a few expunges, for a small share, or for expunges long before the deletion', async () => {
    deliver(catalog.db, [read('1:20', 0), expunge('1:5', 30), deleteAccount(50)]);
    expect((await run()).dlpAlerts).toBe(0);
    const other = openCatalog(':memory:', {create: true});
    catalog = other;
    deliver(catalog.db, [read('1:40', 0), expunge('1:15', 30), deleteAccount(50)]);
    expect((await run()).dlpAlerts).toBe(0);
    catalog = openCatalog(':memory:', {create: true});
    deliver(catalog.db, [read('1:20', 0), expunge('1:15', 30), deleteAccount(200)]);
    expect((await run()).dlpAlerts).toBe(0);
  });

  it('does not raise when a subfolder, not the account, is deleted', async () => {
    const trash = {mailboxID: 'eccjgkx7t05rcf2pib64ekhc', uri: 'imap://imap.lab.test/user.alice.Trash;UIDVALIDITY=1795348442'};
    deliver(catalog.db, [variant(23, {...trash, uidset: '1:20', 'vnd.cmu.midset': [], timestamp: at(0)}), variant(49, {...trash, uidset: '1:15', 'vnd.cmu.midset': [], timestamp: at(30)}), variant(62, {timestamp: at(50)})]);
    expect((await run()).dlpAlerts).toBe(0);
  });
});
