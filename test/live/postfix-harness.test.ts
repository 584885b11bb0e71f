/**
 * The Postfix harness (test/harness/postfix.ts) against the lab's Cyrus: a message sent to the edge
 * reaches alice's INBOX through the mailhub, and each instance's maillog says so the way `bonnie maillog`
 * and `bonnie trace` will read it (issue 18): the edge's `status=sent (250 2.0.0 Ok: queued as <id>)` names
 * the mailhub's queue ID, the mailhub's LMTP reply carries Cyrus' SESSIONID. Mail for a dead route stays
 * deferred; an unknown user is refused by Cyrus and bounced by the mailhub.
 *
 * Delivers into alice's INBOX (two messages per run, their Message-IDs stamped); nothing else of the shared
 * lab is touched.
 */
import {afterAll, beforeAll, describe, expect, inject, it} from 'vitest';
import {lastEventId, waitForEvents} from '../harness/events.js';
import {imapClient} from '../harness/imap.js';
import {logLines, sendMail, startPostfixPair, waitForLogLine} from '../harness/postfix.js';
import {waitUntil} from '../harness/process.js';
import type {PostfixPair} from '../harness/postfix.js';

const lab = inject('lab');

const stamp = `${Date.now().toString(36)}-${process.pid}`;
const SENDER = 'sender@example.org';
const LOG_TIMEOUT_MS = 30_000;

/** A regular expression that matches `text` literally. */
const literal = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

let pair: PostfixPair | undefined;
const started = (): PostfixPair => {
  if (pair === undefined) throw new Error('the Postfix pair did not start');
  return pair;
};

beforeAll(async () => {
  pair = await startPostfixPair({lmtp: lab.lmtp});
});

afterAll(async () => {
  await pair?.stop();
});

/** Sends through the edge and returns the edge's queue ID. */
const send = async (to: string[], what: string): Promise<string> => {
  const result = await sendMail({port: started().edge.smtp.port, from: SENDER, to, messageId: `${what}-${stamp}@example.org`, subject: `postfix harness: ${what}`});
  expect(result.rejected).toEqual([]);
  expect(result.queueId).toMatch(/^[0-9A-F]{6,}$/);
  return result.queueId as string;
};

describe('postfix harness', () => {
  it('starts two instances whose log lines name different hosts', async () => {
    const {edge, mailhub} = started();
    const a = await waitForLogLine(edge.maillog, /master\[\d+\]: daemon started/, LOG_TIMEOUT_MS);
    const b = await waitForLogLine(mailhub.maillog, /master\[\d+\]: daemon started/, LOG_TIMEOUT_MS);
    // postlogd's line: `Mon DD HH:MM:SS <host> <syslog_name>/<service>[<pid>]: <text>`, the host being
    // myhostname's first label.
    expect(a).toMatch(new RegExp(`^[A-Z][a-z]{2} [ 0-9]\\d \\d\\d:\\d\\d:\\d\\d mx-a postfix-a/master\\[\\d+\\]: daemon started -- version [\\d.]+, configuration ${literal(edge.configDir)}$`));
    expect(b).toMatch(new RegExp(`^[A-Z][a-z]{2} [ 0-9]\\d \\d\\d:\\d\\d:\\d\\d mx-b postfix-b/master\\[\\d+\\]: daemon started`));
  });

  it('relays a message from the edge to the mailhub, which delivers it to Cyrus by LMTP', async () => {
    const {edge, mailhub} = started();
    const after = lastEventId(lab);
    const edgeId = await send(['alice@lab.test'], 'delivered');

    const relayed = await waitForLogLine(edge.maillog, new RegExp(`postfix-a/smtp\\[\\d+\\]: ${edgeId}: to=<alice@lab\\.test>, .*status=sent`), LOG_TIMEOUT_MS);
    const hubId = /status=sent \(250 2\.0\.0 Ok: queued as ([0-9A-F]+)\)$/.exec(relayed)?.[1];
    expect(relayed, 'the edge names the mailhub queue ID').toMatch(new RegExp(`relay=127\\.0\\.0\\.1\\[127\\.0\\.0\\.1\\]:${mailhub.smtp.port}, `));
    expect(hubId).toBeDefined();

    await waitForLogLine(mailhub.maillog, new RegExp(`postfix-b/cleanup\\[\\d+\\]: ${hubId}: message-id=<delivered-${literal(stamp)}@example\\.org>$`), LOG_TIMEOUT_MS);
    const delivered = await waitForLogLine(mailhub.maillog, new RegExp(`postfix-b/lmtp\\[\\d+\\]: ${hubId}: to=<alice@lab\\.test>, `), LOG_TIMEOUT_MS);
    expect(delivered).toMatch(new RegExp(`relay=127\\.0\\.0\\.1\\[127\\.0\\.0\\.1\\]:${lab.lmtp.port}, .*dsn=2\\.1\\.5, status=sent \\(250 2\\.1\\.5 Success SESSIONID=<[^>]+>\\)$`));

    // Cyrus' SESSIONID is the vnd.cmu.sessionId of the MessageNew event the delivery made: the link from
    // the MTA's log to the mailbox.
    const sessionId = /SESSIONID=<([^>]+)>/.exec(delivered)?.[1];
    const events = await waitForEvents(lab, (es) => es.some((e) => e.type === 'MessageNew' && e.json['vnd.cmu.sessionId'] === sessionId), {after});
    expect(events.find((e) => e.json['vnd.cmu.sessionId'] === sessionId)?.event.mailbox?.name).toBe('user.alice');

    // And the message is in alice's INBOX.
    const alice = await imapClient(lab, 'alice');
    try {
      const lock = await alice.getMailboxLock('INBOX', {readOnly: true});
      try {
        const uids = await alice.search({header: {'message-id': `delivered-${stamp}@example.org`}}, {uid: true});
        expect(uids).toHaveLength(1);
      } finally {
        lock.release();
      }
    } finally {
      await alice.logout();
    }
  });

  it('keeps mail for a dead route deferred on the edge', async () => {
    const {edge, deadPort} = started();
    const edgeId = await send(['someone@dead.test'], 'deferred');
    const line = await waitForLogLine(edge.maillog, new RegExp(`postfix-a/smtp\\[\\d+\\]: ${edgeId}: to=<someone@dead\\.test>, `), LOG_TIMEOUT_MS);
    expect(line).toMatch(new RegExp(`relay=none, .*dsn=4\\.4\\.1, status=deferred \\(connect to 127\\.0\\.0\\.1\\[127\\.0\\.0\\.1\\]:${deadPort}: Connection refused\\)$`));

    // A queue run (`postqueue -f`) tries it again: the same queue ID, deferred once more.
    const attempts = new RegExp(`${edgeId}: to=<someone@dead\\.test>, .*status=deferred`);
    await edge.flush();
    await waitUntil('a second delivery attempt', () => logLines(edge.maillog, attempts).length >= 2, LOG_TIMEOUT_MS);
  });

  it('bounces, on the mailhub, a user Cyrus does not know, and discards the notice to the outside sender', async () => {
    const {edge, mailhub} = started();
    const edgeId = await send(['nosuchuser@lab.test'], 'bounced');
    const relayed = await waitForLogLine(edge.maillog, new RegExp(`${edgeId}: to=<nosuchuser@lab\\.test>, .*status=sent \\(250 2\\.0\\.0 Ok: queued as [0-9A-F]+\\)$`), LOG_TIMEOUT_MS);
    const hubId = /queued as ([0-9A-F]+)\)$/.exec(relayed)?.[1] as string;

    const bounced = await waitForLogLine(mailhub.maillog, new RegExp(`postfix-b/lmtp\\[\\d+\\]: ${hubId}: to=<nosuchuser@lab\\.test>, `), LOG_TIMEOUT_MS);
    expect(bounced).toMatch(/dsn=5\.1\.1, status=bounced \(host 127\.0\.0\.1\[127\.0\.0\.1\] said: 550.* 550 5\.1\.1 User unknown \(in reply to RCPT TO command\)\)$/);
    const notice = await waitForLogLine(mailhub.maillog, new RegExp(`postfix-b/bounce\\[\\d+\\]: ${hubId}: sender non-delivery notification: [0-9A-F]+$`), LOG_TIMEOUT_MS);
    const noticeId = /notification: ([0-9A-F]+)$/.exec(notice)?.[1] as string;
    await waitForLogLine(mailhub.maillog, new RegExp(`postfix-b/discard\\[\\d+\\]: ${noticeId}: to=<${literal(SENDER)}>, .*status=sent`), LOG_TIMEOUT_MS);
  });

  it('splits one message with three fates: relayed and delivered, bounced, deferred', async () => {
    const {edge, mailhub} = started();
    const edgeId = await send(['alice@lab.test', 'nosuchuser@lab.test', 'someone@dead.test'], 'split');
    await waitForLogLine(edge.maillog, new RegExp(`${edgeId}: to=<someone@dead\\.test>, .*status=deferred`), LOG_TIMEOUT_MS);
    // The edge relays both lab.test recipients in one transaction (the same next hop).
    const relayed = await waitForLogLine(edge.maillog, new RegExp(`${edgeId}: to=<alice@lab\\.test>, .*status=sent \\(250 2\\.0\\.0 Ok: queued as [0-9A-F]+\\)$`), LOG_TIMEOUT_MS);
    const hubId = /queued as ([0-9A-F]+)\)$/.exec(relayed)?.[1] as string;
    await waitForLogLine(edge.maillog, new RegExp(`${edgeId}: to=<nosuchuser@lab\\.test>, .*status=sent \\(250 2\\.0\\.0 Ok: queued as ${hubId}\\)$`), LOG_TIMEOUT_MS);
    await waitForLogLine(mailhub.maillog, new RegExp(`${hubId}: to=<alice@lab\\.test>, .*status=sent \\(250 2\\.1\\.5 Success SESSIONID=<[^>]+>\\)$`), LOG_TIMEOUT_MS);
    await waitForLogLine(mailhub.maillog, new RegExp(`${hubId}: to=<nosuchuser@lab\\.test>, .*status=bounced`), LOG_TIMEOUT_MS);
  });
});
