import {mkdirSync, readFileSync, writeFileSync} from 'node:fs';
import {dirname, join} from 'node:path';
import {describe, expect, it} from 'vitest';
import {collect} from '../../../../src/lib/pipeline/collect/collector.js';
import {alertLogLine, Alerts} from '../../../../src/lib/pipeline/dlp/alerts.js';
import {RuleSet} from '../../../../src/lib/pipeline/dlp/rules.js';
import {messagePath} from '../../../../src/lib/sources/cyrus/partition.js';
import {deliver, variant} from '../../../helpers/record.js';
import {useTempDirs} from '../../../helpers/tmp.js';
import {makeArchive} from '../../store/archive/helpers.js';
import {mail} from './fixtures.js';

const tempDir = useTempDirs();
const INBOX = '76yzkoa5vpplgcimbgeofaee';
const CARD_EML = readFileSync(new URL('../../../fixtures/dlp/card.eml', import.meta.url));

const RULES = `rules:
  - name: cards-in
    severity: high
    condition: {detector: credit_card, min_confidence: high}
    scope: {direction: in, users: [alice], folders: [INBOX]}
  - name: cards-out
    severity: critical
    condition: {detector: credit_card}
    scope: {direction: out}
  - name: customer-lists
    severity: low
    condition: {detector: email_list, min_count: 50}
`;

function setUp() {
  const dir = tempDir();
  const {catalog, archiveDir} = makeArchive(dir);
  const spool = join(dir, 'spool');
  const put = (uid: number, bytes: Buffer) => {
    const path = messagePath(spool, INBOX, uid);
    mkdirSync(dirname(path), {recursive: true});
    writeFileSync(path, bytes);
  };
  const rulesFile = join(dir, 'dlp.yaml');
  writeFileSync(rulesFile, RULES);
  return {catalog, archiveDir, spool, put, dlpRules: RuleSet.load(rulesFile)};
}

describe('DLP content rules in the collector', () => {
  it('raises one alert per rule and message delivered, with the masked number, the owner and the direction', async () => {
    const {catalog, archiveDir, spool, put, dlpRules} = setUp();
    // Specimen 65: an LMTP delivery to alice's INBOX, UID 5; UID 6 a message without a secret.
    deliver(catalog.db, [65, variant(65, {uri: 'imap://imap.lab.test/user.alice;UIDVALIDITY=1795348438/;UID=6', 'vnd.cmu.midset': ['<plain@example.org>']})]);
    put(5, CARD_EML);
    put(6, mail({body: 'Lunch at noon?'}));
    const lines: string[] = [];
    const summary = await collect(catalog, {archiveDir, spool, dlpRules, onDlpAlert: (a) => lines.push(alertLogLine(a))});
    expect(summary).toMatchObject({collected: 2, dlpAlerts: 1});
    expect(lines).toEqual(['DLP alert #1 high cards-in (content, in) login=alice client=- session=cyruslab-1795348456-16372-2-362537514055159032 folder=user.alice count=2 credit_card: 4111 **** **** 1111; 5555 **** **** 4444']);
    const [alert, ...rest] = new Alerts(catalog.db).list();
    expect(rest).toEqual([]);
    expect(alert).toMatchObject({
      rule: 'cards-in',
      severity: 'high',
      kind: 'content',
      direction: 'in',
      login: 'alice',
      mailboxId: INBOX,
      folder: 'user.alice',
      messages: [{messageId: '<dlp-card-1@example.org>', mailboxId: INBOX, uid: 5}],
      notificationIds: [1],
      at: Date.parse('2026-11-22T11:54:16.437Z'),
    });
    expect(alert?.hits[0]).toMatchObject({detector: 'credit_card', confidence: 'high'});
    expect(alert?.hits[0]?.samples).toContain('4111 **** **** 1111');
    const stored = JSON.stringify(catalog.db.prepare('SELECT * FROM dlp_alert').all());
    expect(stored).not.toMatch(/4111 ?1111 ?1111 ?1111|5555.?5555.?5555.?4444/);
    catalog.close();
  });

  it('counts an APPEND as out, and a collector run again raises nothing new', async () => {
    const {catalog, archiveDir, spool, put, dlpRules} = setUp();
    deliver(catalog.db, [variant(65, {event: 'MessageAppend', service: 'imap'})]);
    put(5, CARD_EML);
    expect((await collect(catalog, {archiveDir, spool, dlpRules})).dlpAlerts).toBe(1);
    expect(new Alerts(catalog.db).list().map((a) => [a.rule, a.direction])).toEqual([['cards-out', 'out']]);
    expect((await collect(catalog, {archiveDir, spool, dlpRules})).dlpAlerts).toBe(0);
    catalog.close();
  });

  it('with local_domains, counts an APPEND to Sent with a recipient outside as out, and one to another folder as neither', async () => {
    const {catalog, archiveDir, spool, put, dlpRules} = setUp();
    const sent = 'imap://imap.lab.test/user.alice.Sent;UIDVALIDITY=1795348438/;UID=5';
    const drafts = 'imap://imap.lab.test/user.alice.Drafts;UIDVALIDITY=1795348438/;UID=6';
    deliver(catalog.db, [variant(65, {event: 'MessageAppend', service: 'imap', uri: sent}), variant(65, {event: 'MessageAppend', service: 'imap', uri: drafts})]);
    put(5, CARD_EML);
    put(6, CARD_EML);
    expect((await collect(catalog, {archiveDir, spool, dlpRules, localDomains: ['example.org']})).dlpAlerts).toBe(1);
    expect(new Alerts(catalog.db).list().map((a) => [a.rule, a.direction, a.folder])).toEqual([['cards-out', 'out', 'user.alice.Sent']]);
    catalog.close();
  });

  it('with local_domains, counts mail sent inside only as neither in nor out', async () => {
    const {catalog, archiveDir, spool, put, dlpRules} = setUp();
    deliver(catalog.db, [variant(65, {event: 'MessageAppend', service: 'imap', uri: 'imap://imap.lab.test/user.alice.Sent;UIDVALIDITY=1795348438/;UID=5'})]);
    put(5, Buffer.from(CARD_EML.toString('latin1').replace('mallory@elsewhere.example', 'mallory@example.org'), 'latin1'));
    expect((await collect(catalog, {archiveDir, spool, dlpRules, localDomains: ['example.org']})).dlpAlerts).toBe(0);
    catalog.close();
  });
});
