/**
 * `bonnie maillog` into a catalog and `bonnie trace` back out, on two hosts' Postfix logs: a message
 * relayed from an edge host to a mail hub that delivers by LMTP to Cyrus, a deferred recipient, a bounce
 * with its notice, a reject. Then what an administrator relies on across runs: nothing read twice, new
 * lines read, a rotated and compressed file resumed, a new file read from its start.
 */
import {appendFileSync, renameSync, unlinkSync, utimesSync, writeFileSync, readFileSync} from 'node:fs';
import {join} from 'node:path';
import {gzipSync} from 'node:zlib';
import {afterEach, beforeEach, describe, expect, it} from 'vitest';
import {openCatalog, type Catalog} from '../../../../src/lib/base/catalog/catalog.js';
import {readMaillogs} from '../../../../src/lib/pipeline/maillog/ingest.js';
import {TransportReader} from '../../../../src/lib/pipeline/maillog/transport-reader.js';
import {parseTraceTarget, traceMessages} from '../../../../src/lib/read/trace/trace.js';
import {thrownBonnieError} from '../../../helpers/catalog.js';
import {useTempDirs} from '../../../helpers/tmp.js';

const EDGE = [
  'Dec  7 10:00:00 mx-a postfix/smtpd[100]: connect from ext.example.com[192.0.2.10]',
  'Dec  7 10:00:00 mx-a postfix/smtpd[100]: 4Fh0Q1bcdfz1: client=ext.example.com[192.0.2.10]',
  'Dec  7 10:00:00 mx-a postfix/cleanup[101]: 4Fh0Q1bcdfz1: message-id=<trace-1@example.com>',
  'Dec  7 10:00:00 mx-a postfix/qmgr[102]: 4Fh0Q1bcdfz1: from=<sender@example.com>, size=1234, nrcpt=2 (queue active)',
  'Dec  7 10:00:01 mx-a postfix/smtp[103]: 4Fh0Q1bcdfz1: to=<alice@lab.test>, relay=mx-b.lab.test[192.0.2.20]:25, delay=1, delays=0.1/0/0.4/0.5, dsn=2.0.0, status=sent (250 2.0.0 Ok: queued as 4Fh0B2bbbbz2)',
  'Dec  7 10:00:01 mx-a postfix/smtp[104]: 4Fh0Q1bcdfz1: to=<x@dead.test>, relay=none, delay=1, delays=0.1/0/1/0, dsn=4.4.1, status=deferred (connect to 127.0.0.1[127.0.0.1]:1: Connection refused)',
  'Dec  7 10:00:01 mx-a CRON[5]: (root) CMD (true)',
  'Dec  7 10:06:00 mx-a postfix/smtpd[100]: NOQUEUE: reject: RCPT from unknown[198.51.100.7]: 554 5.7.1 <spam@lab.test>: Relay access denied; from=<spammer@bad.test> to=<spam@lab.test> proto=ESMTP helo=<bad>',
];

const HUB = [
  'Dec  7 10:00:01 mx-b postfix/smtpd[200]: 4Fh0B2bbbbz2: client=mx-a.lab.test[192.0.2.1]',
  'Dec  7 10:00:01 mx-b postfix/cleanup[201]: 4Fh0B2bbbbz2: message-id=<trace-1@example.com>',
  'Dec  7 10:00:01 mx-b postfix/qmgr[202]: 4Fh0B2bbbbz2: from=<sender@example.com>, size=1500, nrcpt=1 (queue active)',
  'Dec  7 10:00:02 mx-b postfix/lmtp[203]: 4Fh0B2bbbbz2: to=<alice@lab.test>, relay=127.0.0.1[127.0.0.1]:2003, delay=0.2, delays=0.1/0/0/0.1, dsn=2.1.5, status=sent (250 2.1.5 Ok SESSIONID=<cyrus-1-2-3-4>)',
  'Dec  7 10:00:02 mx-b postfix/qmgr[202]: 4Fh0B2bbbbz2: removed',
  'Dec  7 10:05:00 mx-b postfix/smtpd[200]: 4Fh0C3ccccz3: client=ext.example.com[192.0.2.10]',
  'Dec  7 10:05:00 mx-b postfix/cleanup[201]: 4Fh0C3ccccz3: message-id=<bounce-me@example.com>',
  'Dec  7 10:05:00 mx-b postfix/qmgr[202]: 4Fh0C3ccccz3: from=<sender@example.com>, size=900, nrcpt=1 (queue active)',
  'Dec  7 10:05:01 mx-b postfix/lmtp[203]: 4Fh0C3ccccz3: to=<nosuch@lab.test>, relay=127.0.0.1[127.0.0.1]:2003, delay=0.1, delays=0/0/0/0.1, dsn=5.1.1, status=bounced (host 127.0.0.1[127.0.0.1] said: 550 5.1.1 Mailbox unknown (in reply to RCPT TO command))',
  'Dec  7 10:05:01 mx-b postfix/cleanup[201]: 4Fh0D4ddddz4: message-id=<20261207100501.4Fh0D4ddddz4@mx-b.lab.test>',
  'Dec  7 10:05:01 mx-b postfix/bounce[204]: 4Fh0C3ccccz3: sender non-delivery notification: 4Fh0D4ddddz4',
  'Dec  7 10:05:01 mx-b postfix/qmgr[202]: 4Fh0D4ddddz4: from=<>, size=2500, nrcpt=1 (queue active)',
  'Dec  7 10:05:01 mx-b postfix/qmgr[202]: 4Fh0C3ccccz3: removed',
];

const tempDir = useTempDirs();
let catalog: Catalog;
let dir: string;

/** Writes `lines` to `name` in the test folder, dated after them (the year of lines without one). */
function writeLog(name: string, lines: readonly string[]): string {
  const path = join(dir, name);
  writeFileSync(path, lines.map((l) => `${l}\n`).join(''));
  date(path);
  return path;
}

function date(path: string, at = '2026-12-07T12:00:00Z'): void {
  const t = new Date(at);
  utimesSync(path, t, t);
}

beforeEach(() => {
  dir = tempDir();
  catalog = openCatalog(':memory:', {create: true});
});
afterEach(() => catalog.close());

describe('bonnie maillog', () => {
  it('stores queue entries, deliveries, notices and rejects, and counts what it ignored', async () => {
    const result = await readMaillogs(catalog.db, [writeLog('edge.log', EDGE), writeLog('hub.log', HUB)]);
    expect(result.lines).toBe(EDGE.length + HUB.length);
    expect(result.unknown).toBe(0);
    expect(result.ignored).toBeGreaterThanOrEqual(2); // connect from, CRON
    expect(result.stored).toEqual({entries: 4, deliveries: 4, rejects: 1, mailboxDeliveries: 0});
    const entries = new TransportReader(catalog.db).byMessageId('<trace-1@example.com>');
    expect(entries.map((e) => [e.host, e.queueId, e.sender, e.size])).toEqual([
      ['mx-a', '4Fh0Q1bcdfz1', 'sender@example.com', 1234],
      ['mx-b', '4Fh0B2bbbbz2', 'sender@example.com', 1500],
    ]);
  });

  it('reads each line once: a second run finds nothing new, appended lines are read alone', async () => {
    const edge = writeLog('edge.log', EDGE.slice(0, 4));
    await readMaillogs(catalog.db, [edge]);
    const again = await readMaillogs(catalog.db, [edge]);
    expect(again.lines).toBe(0);
    appendFileSync(edge, `${EDGE[4]}\n${EDGE[5]}`); // the last line is being written: no newline yet
    date(edge);
    const more = await readMaillogs(catalog.db, [edge]);
    expect(more.lines).toBe(1);
    appendFileSync(edge, '\n');
    expect((await readMaillogs(catalog.db, [edge])).lines).toBe(1);
    expect(new TransportReader(catalog.db).counts()).toMatchObject({entries: 1, deliveries: 2});
  });

  it('resumes a file logrotate renamed and compressed, and reads the new file from its start', async () => {
    const log = writeLog('mail.log', HUB.slice(0, 3));
    await readMaillogs(catalog.db, [log]);
    // More lines, then rotation: mail.log -> mail.log.1 -> gzip, and a new mail.log.
    appendFileSync(log, HUB.slice(3, 8).map((l) => `${l}\n`).join(''));
    renameSync(log, `${log}.1`);
    writeFileSync(`${log}.1.gz`, gzipSync(readFileSync(`${log}.1`)));
    unlinkSync(`${log}.1`);
    date(`${log}.1.gz`, '2026-12-07T11:00:00Z');
    writeLog('mail.log', HUB.slice(8));
    const result = await readMaillogs(catalog.db, [`${log}.1.gz`, log]);
    expect(result.files.map((f) => [f.path.slice(dir.length + 1), f.gzip, f.lines])).toEqual([
      ['mail.log.1.gz', true, 5],
      ['mail.log', false, HUB.length - 8],
    ]);
    expect(result.unknown).toBe(0);
    expect((await readMaillogs(catalog.db, [`${log}.1.gz`, log])).lines).toBe(0);
    expect(new TransportReader(catalog.db).counts()).toMatchObject({entries: 3, deliveries: 2});
  });

  it('reads Exim\'s own mainlog under the host given, and joins it to the Postfix hop it relayed to', async () => {
    // Exim's mainlog lines name no host: `bonnie maillog --host`. Lines as the Exim spec's "Log files" shows them.
    const exim = writeLog('mainlog', [
      '2026-12-07 10:00:00 1tJabc-000123-AB <= alice@example.org H=mail.example.org [198.51.100.25] P=esmtp S=1234 id=exim-1@example.org',
      '2026-12-07 10:00:01 1tJabc-000123-AB => bob@lab.test R=dnslookup T=remote_smtp H=mx-b.lab.test [192.0.2.20] C="250 2.0.0 Ok: queued as 4Fh0B2bbbbz9"',
      '2026-12-07 10:00:01 1tJabc-000123-AB Completed',
    ]);
    const hub = writeLog('hub.log', [
      'Dec  7 10:00:01 mx-b postfix/smtpd[200]: 4Fh0B2bbbbz9: client=exim-edge.lab.test[192.0.2.9]',
      'Dec  7 10:00:01 mx-b postfix/cleanup[201]: 4Fh0B2bbbbz9: message-id=<exim-1@example.org>',
      'Dec  7 10:00:01 mx-b postfix/qmgr[202]: 4Fh0B2bbbbz9: from=<alice@example.org>, size=1300, nrcpt=1 (queue active)',
    ]);
    const read = await readMaillogs(catalog.db, [exim], {host: 'exim-edge'});
    expect(read.unknown).toBe(0);
    await readMaillogs(catalog.db, [hub]);
    const [trace] = traceMessages(catalog.db, {kind: 'message-id', messageId: '<exim-1@example.org>'}).traces;
    expect(trace?.hops.map((h) => [h.host, h.mta, h.queueId, h.from, h.size])).toEqual([
      ['exim-edge', 'exim', '1tJabc-000123-AB', 'alice@example.org', 1234],
      ['mx-b', 'postfix', '4Fh0B2bbbbz9', 'alice@example.org', 1300],
    ]);
    expect(trace?.hops[0]?.deliveries[0]).toMatchObject({to: 'bob@lab.test', status: 'sent', nextHost: 'mx-b'});
    expect(trace?.hops[0]?.removedAt).not.toBeNull();
  });

  it('refuses a file it cannot read, naming it', async () => {
    const error = await readMaillogs(catalog.db, [join(dir, 'missing.log')]).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toMatchObject({code: 'MaillogUnreadable'});
    expect(String((error as Error).message)).toContain('missing.log');
  });
});

describe('bonnie trace', () => {
  beforeEach(async () => {
    await readMaillogs(catalog.db, [writeLog('hub.log', HUB), writeLog('edge.log', EDGE)]);
  });

  it('follows a Message-ID across both hosts by the next hop\'s queue ID', () => {
    const report = traceMessages(catalog.db, {kind: 'message-id', messageId: '<trace-1@example.com>'});
    expect(report.traces).toHaveLength(1);
    const [trace] = report.traces;
    expect(trace?.hops.map((h) => [h.host, h.queueId, h.client])).toEqual([
      ['mx-a', '4Fh0Q1bcdfz1', 'ext.example.com[192.0.2.10]'],
      ['mx-b', '4Fh0B2bbbbz2', 'mx-a.lab.test[192.0.2.1]'],
    ]);
    const relayed = trace?.hops[0]?.deliveries.find((d) => d.to === 'alice@lab.test');
    expect(relayed).toMatchObject({status: 'sent', nextQueueId: '4Fh0B2bbbbz2', nextHost: 'mx-b'});
    expect(trace?.hops[1]?.deliveries[0]).toMatchObject({status: 'sent', sessionId: 'cyrus-1-2-3-4', relay: '127.0.0.1[127.0.0.1]:2003'});
    // Outcomes at the last hop of each recipient: the hub's LMTP delivery (Cyrus' record not read here:
    // "sent"), the edge's deferral with its reason.
    expect(trace?.outcomes.map((o) => [o.recipient, o.status, o.host])).toEqual(
      expect.arrayContaining([
        ['alice@lab.test', 'sent', 'mx-b'],
        ['x@dead.test', 'deferred', 'mx-a'],
      ]),
    );
    expect(trace?.outcomes.find((o) => o.status === 'deferred')?.reason).toContain('Connection refused');
  });

  it('finds the same path from either queue ID', () => {
    for (const queueId of ['4Fh0Q1bcdfz1', '4Fh0B2bbbbz2']) {
      const report = traceMessages(catalog.db, parseTraceTarget(queueId));
      expect(report.traces[0]?.hops.map((h) => h.queueId)).toEqual(['4Fh0Q1bcdfz1', '4Fh0B2bbbbz2']);
    }
  });

  it('shows a bounce with its reason and the notice sent back', () => {
    const [trace] = traceMessages(catalog.db, {kind: 'message-id', messageId: '<bounce-me@example.com>'}).traces;
    expect(trace?.outcomes).toEqual([expect.objectContaining({recipient: 'nosuch@lab.test', status: 'bounced'})]);
    expect(trace?.outcomes[0]?.reason).toContain('550 5.1.1');
    const notice = trace?.hops.find((h) => h.origin === 'notice');
    expect(notice).toMatchObject({queueId: '4Fh0D4ddddz4', noticeOf: '4Fh0C3ccccz3', from: ''});
  });

  it('lists by recipient and sender, with the refusals', () => {
    const byTo = traceMessages(catalog.db, {kind: 'filter', to: 'NOSUCH@lab.test'});
    expect(byTo.traces.map((t) => t.messageId)).toEqual(['<bounce-me@example.com>']);
    const bySender = traceMessages(catalog.db, {kind: 'filter', from: 'spammer@bad.test'});
    expect(bySender.traces).toEqual([]);
    expect(bySender.rejects).toEqual([expect.objectContaining({to: 'spam@lab.test', host: 'mx-a', dsn: '5.7.1'})]);
  });

  it('says what to do when nothing matches', () => {
    const error = thrownBonnieError(() => traceMessages(catalog.db, {kind: 'message-id', messageId: '<never@example.com>'}));
    expect(error.code).toBe('TraceNotFound');
    expect(error.hint).toContain('bonnie maillog');
  });

  it('tells Message-IDs, queue IDs and message references apart', () => {
    expect(parseTraceTarget('<a@b>')).toEqual({kind: 'message-id', messageId: '<a@b>'});
    expect(parseTraceTarget('a@b')).toEqual({kind: 'message-id', messageId: '<a@b>'});
    expect(parseTraceTarget('4D8F21C3B2')).toEqual({kind: 'queue-id', queueId: '4D8F21C3B2'});
    expect(parseTraceTarget('1tJabc-000123-AB')).toEqual({kind: 'queue-id', queueId: '1tJabc-000123-AB'});
    expect(parseTraceTarget('M9c44bebc02a85abc0c8606d6')).toMatchObject({kind: 'message', ref: {kind: 'email-id'}});
    expect(parseTraceTarget('user.alice.Work:1')).toMatchObject({kind: 'message', ref: {kind: 'placement'}});
  });
});
