import {beforeEach, describe, expect, it} from 'vitest';
import {openCatalog, type Catalog} from '../../../../src/lib/base/catalog/catalog.js';
import {AlertChain} from '../../../../src/lib/pipeline/dlp/alert-chain.js';
import {alertLogLine, Alerts} from '../../../../src/lib/pipeline/dlp/alerts.js';
import {RuleSet} from '../../../../src/lib/pipeline/dlp/rules.js';
import {processQueue} from '../../../../src/lib/pipeline/process/engine.js';
import {NoDirectory} from '../../../../src/lib/sources/directory/types.js';
import {writeFileSync} from 'node:fs';
import {join} from 'node:path';
import {deliver, variant} from '../../../helpers/record.js';
import {useTempDirs} from '../../../helpers/tmp.js';

const tempDir = useTempDirs();
let catalog: Catalog;
beforeEach(() => {
  catalog = openCatalog(':memory:', {create: true});
});

const RULES = `rules:
  - name: mass-delete
    severity: high
    condition: {behaviour: mass_delete, min_count: 50, within: 1m}
  - name: public-folder
    severity: medium
    condition: {behaviour: shared_to_anyone}
`;

function ruleSet(text = RULES): RuleSet {
  const file = join(tempDir(), 'dlp.yaml');
  writeFileSync(file, text);
  return RuleSet.load(file);
}

const run = (rules = ruleSet(), batchJobs?: number) => processQueue(catalog, new NoDirectory(), {spillDir: '/nonexistent', maxAttempts: 3, dlpRules: rules, batchJobs});

/** alice expunges UIDs `uids` (an IMAP set) of her INBOX at `at`. */
const expunge = (uids: string, at: string, session = 's-alice-1') => variant(49, {uidset: uids, 'vnd.cmu.midset': [], timestamp: at, 'vnd.cmu.sessionId': session});
/** A SETACL of `subject` `rights` on alice's Job folder. */
const setAcl = (subject: string, rights: string, at = '2026-11-22T11:54:21.054Z') =>
  variant(79, {aclSubject: subject, aclRights: rights, 'vnd.cmu.mailboxACL': `alice\tlrswipkxtecdan\t${subject}\t${rights}\t`, timestamp: at});

describe('DLP behaviour rules in bonnie process', () => {
  it('raises one alert for 60 messages expunged at once, none for 10', async () => {
    deliver(catalog.db, [expunge('1:10', '2026-11-22T12:00:00.000Z'), expunge('100:159', '2026-11-22T13:00:00.000Z')]);
    const summary = await run();
    expect(summary.dlpAlerts).toBe(1);
    const [alert, ...rest] = new Alerts(catalog.db).list();
    expect(rest).toEqual([]);
    expect(alert).toMatchObject({rule: 'mass-delete', severity: 'high', kind: 'behaviour', behaviour: 'mass_delete', login: 'alice', sessionId: 's-alice-1', count: 60, at: Date.parse('2026-11-22T13:00:00.000Z'), notificationIds: [2]});
    expect(alert?.behaviourSummary).toMatchObject({count: 60, minCount: 50, withinMs: 60_000, folders: ['user.alice']});
    expect(alert?.placementIds).toHaveLength(60);
    expect(alert?.messages[0]).toMatchObject({mailboxId: '76yzkoa5vpplgcimbgeofaee', uid: 100});
  });

  it('counts expunges spread over events and batches within the window, once per burst', async () => {
    // 5 EXPUNGEs of 10 messages, 10 s apart (50 in 40 s): one burst; 5 more of 10 right after: not a new burst
    // until 50 fresh ones fall within a minute after the alert; then 10 within the next minute: nothing.
    const t0 = Date.parse('2026-11-22T12:00:00.000Z');
    const at = (s: number) => new Date(t0 + s * 1000).toISOString();
    const events = [];
    for (let i = 0; i < 10; i++) events.push(expunge(`${i * 10 + 1}:${i * 10 + 10}`, at(i * 10)));
    events.push(expunge('200:209', at(200)));
    deliver(catalog.db, events);
    const summary = await run(ruleSet(), 3);
    expect(summary.dlpAlerts).toBe(2);
    const alerts = new Alerts(catalog.db).list().reverse();
    expect(alerts.map((a) => [a.count, a.at])).toEqual([
      [50, t0 + 40_000],
      [50, t0 + 90_000],
    ]);
  });

  it('announces each alert once its batch has committed, as one line with masked samples only', async () => {
    deliver(catalog.db, [setAcl('anyone', 'lrs'), expunge('1:60', '2026-11-22T12:00:00.000Z')]);
    const lines: string[] = [];
    await processQueue(catalog, new NoDirectory(), {spillDir: '/nonexistent', maxAttempts: 3, dlpRules: ruleSet(), onDlpAlert: (alert) => lines.push(alertLogLine(alert))});
    expect(lines).toEqual([
      'DLP alert #1 medium public-folder (shared_to_anyone) login=cyrus client=- session=cyruslab-1795348459-13829-1-5189652220807415411 folder=user.alice.Job count=1 anyone given lrs',
      'DLP alert #2 high mass-delete (mass_delete) login=alice client=- session=s-alice-1 folder=user.alice count=60',
    ]);
  });

  it('raises nothing new when the same events are seen again', async () => {
    deliver(catalog.db, [expunge('1:60', '2026-11-22T12:00:00.000Z'), setAcl('anyone', 'lrs')]);
    expect((await run()).dlpAlerts).toBe(2);
    // The same notifications are duplicates at ingestion; a run over the same record raises nothing.
    deliver(catalog.db, [expunge('1:60', '2026-11-22T12:00:00.000Z'), setAcl('anyone', 'lrs')]);
    expect((await run()).dlpAlerts).toBe(0);
    expect(new Alerts(catalog.db).list()).toHaveLength(2);
  });

  it('raises one alert when a folder is shared to anyone or anonymous to read, none for posting only or a person', async () => {
    deliver(catalog.db, [setAcl('anyone', 'p'), setAcl('bob', 'lrs'), setAcl('anonymous', 'lr', '2026-11-22T11:55:00.000Z')]);
    expect((await run()).dlpAlerts).toBe(1);
    const [alert] = new Alerts(catalog.db).list();
    expect(alert).toMatchObject({rule: 'public-folder', behaviour: 'shared_to_anyone', login: 'cyrus', mailboxId: '8noufdk8233tibe0dudubmdt', folder: 'user.alice.Job', count: 1, notificationIds: [3]});
    expect(alert?.behaviourSummary).toMatchObject({subject: 'anonymous', rights: 'lr'});
  });

  it('with local_domains, raises for a folder shared to a user of another domain, not to a local one', async () => {
    deliver(catalog.db, [setAcl('bob@partner.example', 'lrs'), setAcl('carol@lab.test', 'lrs', '2026-11-22T11:55:00.000Z'), setAcl('dave', 'lr', '2026-11-22T11:56:00.000Z')]);
    expect((await processQueue(catalog, new NoDirectory(), {spillDir: '/nonexistent', maxAttempts: 3, dlpRules: ruleSet(), localDomains: ['lab.test']})).dlpAlerts).toBe(1);
    expect(new Alerts(catalog.db).list().map((a) => a.behaviourSummary)).toEqual([expect.objectContaining({subject: 'bob@partner.example', rights: 'lrs'})]);
  });

  it('without local_domains, a share to another domain is a person\'s, not public', async () => {
    deliver(catalog.db, [setAcl('bob@partner.example', 'lrs')]);
    expect((await run()).dlpAlerts).toBe(0);
  });

  it('keeps to a rule\'s scope (users, folders)', async () => {
    const scoped = ruleSet(`rules:
  - name: bob-deletes
    severity: low
    condition: {behaviour: mass_delete, min_count: 5}
    scope: {users: [bob]}
  - name: shared-outside-job
    severity: low
    condition: {behaviour: shared_to_anyone}
    scope: {folders: ['user.alice.Work*']}
`);
    deliver(catalog.db, [expunge('1:60', '2026-11-22T12:00:00.000Z'), setAcl('anyone', 'lrs')]);
    expect((await run(scoped)).dlpAlerts).toBe(0);
    const job = ruleSet(`rules:
  - name: shared-job
    severity: low
    condition: {behaviour: shared_to_anyone}
    scope: {folders: ['Job']}
`);
    deliver(catalog.db, [setAcl('anyone', 'lrsw', '2026-11-22T11:56:00.000Z')]);
    expect((await run(job)).dlpAlerts).toBe(1);
    const inbox = ruleSet(`rules:
  - name: inbox-deletes
    severity: low
    condition: {behaviour: mass_delete, min_count: 50}
    scope: {users: [alice], folders: [INBOX]}
`);
    deliver(catalog.db, [expunge('300:359', '2026-11-22T14:00:00.000Z')]);
    expect((await run(inbox)).dlpAlerts).toBe(1);
  });

  it('links every alert of a batch in the alerts\' chain before the batch commits', async () => {
    deliver(catalog.db, [setAcl('anyone', 'lrs'), expunge('1:60', '2026-11-22T12:00:00.000Z'), setAcl('anonymous', 'lr', '2026-11-22T12:30:00.000Z')]);
    const summary = await run(ruleSet(), 2);
    expect(summary.dlpAlerts).toBe(3);
    expect(new AlertChain(catalog.db).verify()).toEqual({checked: 3, pending: 0, firstProblem: null});
  });

  it('runs without behaviour rules as before', async () => {
    deliver(catalog.db, [expunge('1:60', '2026-11-22T12:00:00.000Z')]);
    expect((await run(ruleSet('rules:\n  - name: cards\n    severity: high\n    condition: {detector: credit_card}\n'))).dlpAlerts).toBe(0);
    expect((await processQueue(catalog, new NoDirectory(), {spillDir: '/nonexistent', maxAttempts: 3})).dlpAlerts).toBe(0);
  });
});
