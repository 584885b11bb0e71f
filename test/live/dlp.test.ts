/**
 * Data-loss prevention against the live Cyrus (issue 15): a message with a card number delivered by LMTP
 * raises exactly one alert, whose sample is masked; a folder shared to anyone raises one; 50 expunges in a
 * minute raise one, 10 do not; 60 messages read in a minute raise one, 10 do not; a login from a new client
 * address (127.0.0.2) raises one, the person's first login and a known address none; the alerts of notify
 * rules are mailed (a loopback smtp-server, decoded by mailparser) and logged. The lab is shared: alice's folders `Dlp<stamp>...` are this test's own, its
 * rules are scoped to them and named with the stamp, and only those rules' alerts are looked at.
 */
import {mkdtempSync, readFileSync, rmSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {afterAll, beforeAll, describe, expect, inject, it} from 'vitest';
import {labBonnieEnv} from '../harness/bonnie-env.js';
import {lastEventId, waitForEvents, type CapturedEvent} from '../harness/events.js';
import {imapClient, rawImap, RawImap} from '../harness/imap.js';
import {lmtpDeliver, testMessage} from '../harness/lmtp.js';
import {bonnie} from '../helpers/run.js';
import {addresses, startSmtpSink, type SmtpSink} from '../helpers/smtp-sink.js';

const lab = inject('lab');
const stamp = Date.now();
const base = `Dlp${stamp}`;
const folders = {cards: base, shared: `${base}Shared`, big: `${base}Big`, small: `${base}Small`, read: `${base}Read`, readSmall: `${base}ReadSmall`};
let dir: string;
let env: NodeJS.ProcessEnv;
let sink: SmtpSink;

interface AlertJson {
  id: number;
  rule: string;
  kind: string;
  direction: string | null;
  login: string | null;
  count: number;
  folder: string | null;
  messages: Array<{messageId: string | null; uid: number | null}>;
  hits: Array<{detector: string; samples: string[]}>;
  detail: {count: number; subject: string | null; rights: string | null} | null;
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'bonnie-dlp-live-'));
  sink = await startSmtpSink();
  env = {...labBonnieEnv(lab, dir), BONNIE_LOG_FILE: join(dir, 'bonnie.log'), BONNIE_DLP_NOTIFY: 'security@lab.test', BONNIE_DLP_SMTP: `127.0.0.1:${sink.port}`};
  const rules = join(dir, 'dlp.yaml');
  writeFileSync(
    rules,
    `rules:
  - name: cards-${stamp}
    severity: high
    condition: {detector: credit_card, min_confidence: high}
    scope: {direction: in, folders: ['${folders.cards}']}
    actions: [alert, notify]
  - name: public-${stamp}
    severity: medium
    condition: {behaviour: shared_to_anyone}
    scope: {folders: ['${folders.shared}']}
    actions: [alert, notify]
  - name: mass-big-${stamp}
    severity: high
    condition: {behaviour: mass_delete, min_count: 50, within: 1m}
    scope: {folders: ['${folders.big}']}
  - name: mass-small-${stamp}
    severity: high
    condition: {behaviour: mass_delete, min_count: 50, within: 1m}
    scope: {folders: ['${folders.small}']}
  - name: read-big-${stamp}
    severity: medium
    condition: {behaviour: mass_read, min_count: 50, within: 1m}
    scope: {folders: ['${folders.read}']}
  - name: read-small-${stamp}
    severity: medium
    condition: {behaviour: mass_read, min_count: 50, within: 1m}
    scope: {folders: ['${folders.readSmall}']}
  - name: new-address-${stamp}
    severity: low
    condition: {behaviour: new_client_address}
    scope: {users: [dave]}
`,
  );
  env.BONNIE_DLP_RULES = rules;
});
afterAll(async () => {
  await sink.close();
  rmSync(dir, {recursive: true, force: true});
});

async function run(args: string[]): Promise<unknown> {
  const ran = await bonnie([...args, '--json'], {env});
  expect(ran.code, `${args.join(' ')}: ${ran.stderr}`).toBe(0);
  return JSON.parse(ran.stdout);
}

describe('bonnie DLP on a live Cyrus', () => {
  it('raises one alert for a card number delivered, one for a folder shared to anyone, one for 50 expunges in a minute and none for 10', async () => {
    const after = lastEventId(lab);
    const alice = await imapClient(lab, 'alice');
    for (const name of Object.values(folders)) await alice.mailboxCreate(`INBOX.${name}`);
    const raw = await rawImap(lab, 'alice');
    // LMTP to alice+folder needs the "p" right (shares nothing: no alert); then the folder shared to read.
    await raw.command(`SETACL INBOX.${folders.cards} anyone p`);
    await raw.command(`SETACL INBOX.${folders.shared} anyone lrs`);
    await raw.logout();

    const card = testMessage({from: 'shop@example.com', to: 'alice@lab.test', subject: 'your order', messageId: `dlp-card-${stamp}@lab.test`, body: 'Paid with Visa 4111 1111 1111 1111, expiry 09/28.'});
    expect((await lmtpDeliver(lab, {from: 'shop@example.com', to: [`alice+${folders.cards}`], message: card})).map((r) => r.code)).toEqual([250]);

    for (const [name, n] of [[folders.big, 50], [folders.small, 10]] as const) {
      for (let i = 1; i <= n; i++) await alice.append(`INBOX.${name}`, testMessage({from: 'alice@lab.test', to: 'alice@lab.test', subject: `doomed ${i}`, messageId: `dlp-doomed-${name}-${i}@lab.test`}));
      const lock = await alice.getMailboxLock(`INBOX.${name}`);
      try {
        await alice.messageDelete('1:*', {uid: true});
      } finally {
        lock.release();
      }
    }
    await alice.logout();

    const expunged = (name: string) => (e: CapturedEvent) => e.type === 'MessageExpunge' && e.event.mailbox?.name === `user.alice.${name}`;
    await waitForEvents(
      lab,
      (es) =>
        es.some(expunged(folders.big)) &&
        es.some(expunged(folders.small)) &&
        es.some((e) => e.type === 'MessageNew' && e.event.mailbox?.name === `user.alice.${folders.cards}`) &&
        es.some((e) => e.type === 'AclChange' && e.event.mailbox?.name === `user.alice.${folders.shared}`),
      {after},
    );

    expect(await run(['process'])).toMatchObject({failed: 0, dead: 0});
    expect(await run(['collector', '--no-index'])).toMatchObject({failed: 0});
    // Again: the same events raise nothing new.
    await run(['process']);
    await run(['collector', '--no-index']);

    const {alerts} = (await run(['dlp', 'alerts', '--since', '1h'])) as {alerts: AlertJson[]};
    const of = (rule: string) => alerts.filter((a) => a.rule === `${rule}-${stamp}`);

    const [cardAlert, ...moreCards] = of('cards');
    expect(moreCards).toEqual([]);
    expect(cardAlert).toMatchObject({kind: 'content', direction: 'in', login: 'alice', folder: `user.alice.${folders.cards}`, messages: [{messageId: `<dlp-card-${stamp}@lab.test>`}]});
    expect(cardAlert?.hits[0]?.detector).toBe('credit_card');
    expect(cardAlert?.hits[0]?.samples).toEqual(['4111 **** **** 1111']);
    expect(JSON.stringify(cardAlert)).not.toMatch(/4111 ?1111 ?1111 ?1111/);

    expect(of('public')).toHaveLength(1);
    expect(of('public')[0]).toMatchObject({kind: 'behaviour', login: 'alice', folder: `user.alice.${folders.shared}`, detail: {subject: 'anyone', rights: 'lrs'}});

    expect(of('mass-big')).toHaveLength(1);
    expect(of('mass-big')[0]).toMatchObject({kind: 'behaviour', login: 'alice', count: 50});
    expect(of('mass-small')).toEqual([]);

    // Mailed once each (process: the share; collector: the card), after their commit; logged too.
    const mails = sink.mails.filter((m) => m.parsed.subject?.includes(`${stamp}`));
    expect(mails.map((m) => m.parsed.subject).sort()).toEqual([
      `[bonnie DLP] HIGH cards-${stamp}: credit_card (in) by alice (alert #${cardAlert?.id})`,
      `[bonnie DLP] MEDIUM public-${stamp}: shared_to_anyone by alice (alert #${of('public')[0]?.id})`,
    ]);
    const cardMail = mails.find((m) => m.parsed.subject?.includes('cards-'));
    expect(addresses(cardMail?.parsed.to)).toEqual(['security@lab.test']);
    expect(cardMail?.parsed.text).toContain(`<dlp-card-${stamp}@lab.test>`);
    expect(cardMail?.parsed.text).toContain('4111 **** **** 1111');
    expect(cardMail?.raw.toString('latin1')).not.toMatch(/4111[\s=]*1111[\s=]*1111[\s=]*1111/);
    const log = readFileSync(join(dir, 'bonnie.log'), 'utf8');
    expect(log).toContain(`DLP alert #${cardAlert?.id} high cards-${stamp} (content, in) login=alice`);
    expect(log).toContain(`DLP alert #${cardAlert?.id} mailed to security@lab.test`);

    const acked = (await run(['dlp', 'ack', String(cardAlert?.id), '--note', 'the shop test card'])) as {acks: Array<{note: string}>};
    expect(acked.acks.map((a) => a.note)).toEqual(['the shop test card']);
  });

  it('raises one alert for 60 messages read within a minute and none for 10, and one for a login from an address new for the person', async () => {
    const after = lastEventId(lab);
    // dave logs in from 127.0.0.1 (his first login: nothing), then from 127.0.0.1 again, then from 127.0.0.2 (new).
    const password = lab.users.dave as string;
    for (const localAddress of ['127.0.0.1', '127.0.0.1', '127.0.0.2']) {
      const endpoint = {...lab.imap, localAddress};
      const dave = await RawImap.login(endpoint, 'dave', password);
      await dave.logout();
    }
    const alice = await imapClient(lab, 'alice');
    for (const [name, n] of [[folders.read, 60], [folders.readSmall, 10]] as const) {
      // (created with the others by the first test)
      for (let i = 1; i <= n; i++) await alice.append(`INBOX.${name}`, testMessage({from: 'carol@lab.test', to: 'alice@lab.test', subject: `to read ${i}`, messageId: `dlp-read-${name}-${i}@lab.test`}));
      const lock = await alice.getMailboxLock(`INBOX.${name}`);
      try {
        await alice.messageFlagsAdd('1:*', ['\\Seen'], {uid: true});
      } finally {
        lock.release();
      }
    }
    await alice.logout();
    const readIn = (name: string) => (e: CapturedEvent) => e.type === 'MessageRead' && e.event.mailbox?.name === `user.alice.${name}`;
    await waitForEvents(lab, (es) => es.some(readIn(folders.read)) && es.some(readIn(folders.readSmall)) && es.filter((e) => e.type === 'Login' && e.event.user === 'dave').length >= 3, {after});

    expect(await run(['process'])).toMatchObject({failed: 0, dead: 0});
    await run(['process']);
    const {alerts} = (await run(['dlp', 'alerts', '--since', '1h'])) as {alerts: Array<AlertJson & {clientIp: string | null}>};
    const of = (rule: string) => alerts.filter((a) => a.rule === `${rule}-${stamp}`);
    expect(of('read-big')).toHaveLength(1);
    expect(of('read-big')[0]).toMatchObject({kind: 'behaviour', login: 'alice', count: 60});
    expect(of('read-small')).toEqual([]);
    expect(of('new-address')).toHaveLength(1);
    expect(of('new-address')[0]).toMatchObject({kind: 'behaviour', login: 'dave', clientIp: '127.0.0.2'});
  });
});
