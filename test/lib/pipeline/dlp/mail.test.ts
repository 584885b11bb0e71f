/**
 * DLP alert mail (issue 15, 4): an alert of a rule with the notify action is queued with it and mailed after
 * its commit; what the relay receives is decoded by mailparser behind nodemailer's smtp-server, on loopback.
 * A failure is retried later and the alert is never lost; TLS is checked by default.
 */
import {mkdtempSync, rmSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {afterAll, afterEach, beforeAll, beforeEach, describe, expect, it} from 'vitest';
import {openCatalog, type Catalog} from '../../../../src/lib/base/catalog/catalog.js';
import type {DlpNotifySettings} from '../../../../src/lib/base/config/settings.js';
import {Alerts, type Alert} from '../../../../src/lib/pipeline/dlp/alerts.js';
import {evaluateRules, scanMessage} from '../../../../src/lib/pipeline/dlp/evaluate.js';
import {deliverAlertMail} from '../../../../src/lib/pipeline/dlp/mail.js';
import {FIRST_RETRY_MS, NotifyOutbox} from '../../../../src/lib/pipeline/dlp/notify.js';
import {parseRules} from '../../../../src/lib/pipeline/dlp/rules.js';
import {makeCertificates, type TestCertificates} from '../../../helpers/certificates.js';
import {addresses, startSmtpSink, type SmtpSink} from '../../../helpers/smtp-sink.js';
import {mail} from './fixtures.js';

const NOW = 1_800_000_000_000;
const RULES = `rules:
  - name: cards-notify
    severity: high
    condition: {detector: credit_card, min_confidence: high}
    actions: [alert, notify]
  - name: cards-quiet
    severity: low
    condition: {detector: credit_card}
`;

let catalog: Catalog;
let sink: SmtpSink | undefined;
let dir: string;
let certificates: TestCertificates;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'bonnie-dlp-mail-'));
  certificates = makeCertificates(dir);
});
afterAll(() => rmSync(dir, {recursive: true, force: true}));
beforeEach(() => {
  catalog = openCatalog(':memory:', {create: true});
});
afterEach(async () => {
  catalog.close();
  await sink?.close();
  sink = undefined;
});

function settingsFor(port: number, more: Partial<DlpNotifySettings> = {}): DlpNotifySettings {
  return {to: ['security@example.org', 'ciso@example.org'], from: 'bonnie@mail.example.org', host: '127.0.0.1', port, secure: false, tls: 'verify', caFile: undefined, user: undefined, passwordFile: undefined, ...more};
}

/** Alice's message with a card number in clear, scanned and evaluated as the collector does; one alert per rule that matched. */
async function raiseCardAlerts(): Promise<Alert[]> {
  const bytes = mail({subject: 'order', body: 'Paid with Visa 4111 1111 1111 1111, expiry 09/28.'});
  const results = evaluateRules(parseRules(RULES, 'rules.yaml'), await scanMessage(bytes, {attachmentContent: false}), {user: 'alice', direction: 'out'});
  const alerts = new Alerts(catalog.db);
  return catalog.db.transaction(() =>
    results
      .filter((r) => r.matched)
      .flatMap(
        (r) =>
          alerts.raise(
            {
              dedupKey: `content/${r.rule}/m1/1/7`,
              at: NOW,
              rule: r.rule,
              severity: r.severity,
              kind: 'content',
              direction: 'out',
              login: 'alice',
              sessionId: 'imapd-1234-1800000000-1',
              clientIp: '192.0.2.7',
              mailboxId: 'm1',
              folder: 'user.alice.Sent',
              messages: [{emailId: 'M3f1c', messageId: '<dlp-test@example.org>', mailboxId: 'm1', uid: 7}],
              count: 1,
              hits: r.hits,
              notify: r.actions.includes('notify'),
            },
            NOW,
          ) ?? [],
      ),
  )();
}

describe('DLP alert mail', () => {
  it('mails an alert of a notify rule once: subject, recipients, rule, person, session, client and message refs; no clear secret', async () => {
    sink = await startSmtpSink();
    const raised = await raiseCardAlerts();
    expect(raised.map((a) => a.rule)).toEqual(['cards-notify', 'cards-quiet']);
    const summary = await deliverAlertMail(catalog.db, settingsFor(sink.port), {now: () => NOW});
    expect(summary).toEqual({sent: 1, failed: 0, pending: 0});
    const [received, ...more] = await sink.waitFor(1);
    expect(more).toEqual([]);
    const m = received?.parsed;
    expect(m?.subject).toBe('[bonnie DLP] HIGH cards-notify: credit_card (out) by alice (alert #1)');
    expect(addresses(m?.to)).toEqual(['security@example.org', 'ciso@example.org']);
    expect(received?.envelopeTo).toEqual(['security@example.org', 'ciso@example.org']);
    expect(received?.envelopeFrom).toBe('bonnie@mail.example.org');
    expect(m?.headers.get('x-bonnie-dlp-alert')).toBe('1');
    const body = m?.text ?? '';
    for (const expected of ['cards-notify', 'Person:    alice', 'imapd-1234-1800000000-1', '192.0.2.7', '<dlp-test@example.org>', 'M3f1c', 'UID 7', 'user.alice.Sent', '4111 **** **** 1111']) expect(body).toContain(expected);
    expect(received?.raw.toString('latin1')).not.toMatch(/4111[\s=]*1111[\s=]*1111[\s=]*1111/);
    expect(new NotifyOutbox(catalog.db).state(1)).toMatchObject({state: 'sent', attempts: 1, lastError: null});
    // The quiet rule's alert has no mail; nothing is sent twice.
    expect(new NotifyOutbox(catalog.db).state(2)).toBeUndefined();
    expect(await deliverAlertMail(catalog.db, settingsFor(sink.port), {now: () => NOW + 10 * FIRST_RETRY_MS})).toEqual({sent: 0, failed: 0, pending: 0});
    expect(sink.mails).toHaveLength(1);
  });

  it('keeps the alert and retries after a failure, later (backoff), until the relay takes it', async () => {
    sink = await startSmtpSink();
    sink.reject = {code: 451, message: 'try again later'};
    await raiseCardAlerts();
    const errors: string[] = [];
    expect(await deliverAlertMail(catalog.db, settingsFor(sink.port), {now: () => NOW, onError: (e) => errors.push(e)})).toEqual({sent: 0, failed: 1, pending: 1});
    expect(errors[0]).toMatch(/DLP alert #1: cannot mail it to security@example.org, ciso@example.org through 127.0.0.1:\d+ \(attempt 1, retried in 60s\): .*451/);
    expect(new NotifyOutbox(catalog.db).state(1)).toMatchObject({state: 'pending', attempts: 1, lastError: expect.stringContaining('try again later')});
    expect(new Alerts(catalog.db).get(1)?.rule).toBe('cards-notify');
    sink.reject = undefined;
    // Not due yet: nothing sent.
    expect(await deliverAlertMail(catalog.db, settingsFor(sink.port), {now: () => NOW + FIRST_RETRY_MS - 1})).toEqual({sent: 0, failed: 0, pending: 1});
    expect(await deliverAlertMail(catalog.db, settingsFor(sink.port), {now: () => NOW + FIRST_RETRY_MS})).toEqual({sent: 1, failed: 0, pending: 0});
    await sink.waitFor(1);
    expect(new NotifyOutbox(catalog.db).state(1)).toMatchObject({state: 'sent', attempts: 2, lastError: null});
  });

  it('keeps the mail waiting while dlp_notify is not set, and counts a relay that is down as a failure', async () => {
    await raiseCardAlerts();
    expect(await deliverAlertMail(catalog.db, undefined)).toEqual({sent: 0, failed: 0, pending: 1});
    const closed = await startSmtpSink();
    await closed.close();
    expect(await deliverAlertMail(catalog.db, settingsFor(closed.port), {now: () => NOW})).toEqual({sent: 0, failed: 1, pending: 1});
  });

  it('logs in with the password of dlp_smtp_password_file', async () => {
    sink = await startSmtpSink({users: {bonnie: 's3cret pass'}});
    const passwordFile = join(dir, 'smtp.password');
    writeFileSync(passwordFile, 's3cret pass\n', {mode: 0o600});
    await raiseCardAlerts();
    expect(await deliverAlertMail(catalog.db, settingsFor(sink.port, {user: 'bonnie', passwordFile}), {now: () => NOW})).toMatchObject({sent: 1});
    expect((await sink.waitFor(1))[0]?.authUser).toBe('bonnie');
    writeFileSync(passwordFile, 'wrong\n', {mode: 0o600});
    await new Alerts(catalog.db).raise({dedupKey: 'k2', at: NOW, rule: 'cards-notify', severity: 'high', kind: 'content', count: 1, notify: true}, NOW);
    expect(await deliverAlertMail(catalog.db, settingsFor(sink.port, {user: 'bonnie', passwordFile}), {now: () => NOW})).toMatchObject({sent: 0, failed: 1});
  });

  it('checks the relay certificate by default: TLS to a CA-signed relay works, a self-signed one is refused', async () => {
    sink = await startSmtpSink({server: {secure: true, key: certificates.signed.key, cert: certificates.signed.cert}});
    await raiseCardAlerts();
    const errors: string[] = [];
    expect(await deliverAlertMail(catalog.db, settingsFor(sink.port, {secure: true, host: 'localhost'}), {now: () => NOW, onError: (e) => errors.push(e)})).toMatchObject({sent: 0, failed: 1});
    expect(errors[0]).toMatch(/certificate/i);
    expect(await deliverAlertMail(catalog.db, settingsFor(sink.port, {secure: true, host: 'localhost', caFile: certificates.caFile}), {now: () => NOW + FIRST_RETRY_MS})).toMatchObject({sent: 1});
    expect((await sink.waitFor(1))[0]?.secure).toBe(true);
  });
});
