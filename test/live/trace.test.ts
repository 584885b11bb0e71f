/**
 * Issue 18, live: a real Postfix pair (an edge relaying to a mailhub that delivers by LMTP into the lab's
 * Cyrus, test/harness/postfix.ts) writes its logs; `bonnie maillog` reads both, `bonnie process` builds the
 * record from Cyrus' events, and `bonnie trace` of the Message-ID shows both queue IDs, the relay, the LMTP
 * delivery and the folder the message landed in. A message with a dead route and an unknown user shows
 * the deferral and the bounce with their reasons, and the notice the bounce made.
 */
import {mkdtempSync, rmSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {afterAll, beforeAll, describe, expect, inject, it} from 'vitest';
import {labBonnieEnv} from '../harness/bonnie-env.js';
import {lastEventId, waitForEvents} from '../harness/events.js';
import {sendMail, startPostfixPair, waitForLogLine, type PostfixPair} from '../harness/postfix.js';
import {bonnie} from '../helpers/run.js';
import type {TraceReport} from '../../src/lib/read/trace/trace.js';

const lab = inject('lab');
const stamp = `${Date.now().toString(36)}-${process.pid}`;
const LOG_TIMEOUT_MS = 30_000;

let pair: PostfixPair;
let dir: string;
let env: NodeJS.ProcessEnv;

beforeAll(async () => {
  pair = await startPostfixPair({lmtp: lab.lmtp});
  dir = mkdtempSync(join(tmpdir(), 'bonnie-trace-'));
  env = labBonnieEnv(lab, dir);
});

afterAll(async () => {
  await pair?.stop();
  rmSync(dir, {recursive: true, force: true});
});

async function cli<T>(args: string[]): Promise<T> {
  const ran = await bonnie([...args, '--json', '--catalog', lab.catalog], {env});
  expect(ran.code, `bonnie ${args.join(' ')}: ${ran.stderr}`).toBe(0);
  return JSON.parse(ran.stdout) as T;
}

const maillog = () => cli<{lines: number; unknown: number; files: Array<{lines: number}>}>(['maillog', pair.edge.maillog, pair.mailhub.maillog]);

describe('bonnie maillog and bonnie trace against a real Postfix pair and Cyrus', () => {
  it('follows a message from the edge through the mailhub into alice\'s INBOX', async () => {
    const after = lastEventId(lab);
    const messageId = `<traced-${stamp}@example.org>`;
    const sent = await sendMail({port: pair.edge.smtp.port, from: 'sender@example.org', to: ['alice@lab.test'], messageId: messageId.slice(1, -1), subject: 'traced'});
    const edgeId = sent.queueId as string;
    const relayed = await waitForLogLine(pair.edge.maillog, new RegExp(`${edgeId}: to=<alice@lab\\.test>, .*status=sent \\(250 2\\.0\\.0 Ok: queued as ([0-9A-F]+)\\)$`), LOG_TIMEOUT_MS);
    const hubId = /queued as ([0-9A-F]+)\)$/.exec(relayed)?.[1] as string;
    const delivered = await waitForLogLine(pair.mailhub.maillog, new RegExp(`${hubId}: to=<alice@lab\\.test>, .*status=sent .*SESSIONID=<([^>]+)>`), LOG_TIMEOUT_MS);
    const sessionId = /SESSIONID=<([^>]+)>/.exec(delivered)?.[1];
    await waitForLogLine(pair.mailhub.maillog, new RegExp(`${hubId}: removed$`), LOG_TIMEOUT_MS);
    await waitForEvents(lab, (es) => es.some((e) => e.type === 'MessageNew' && e.json['vnd.cmu.sessionId'] === sessionId), {after});

    await cli(['process']);
    const read = await maillog();
    expect(read.unknown).toBe(0);
    expect(read.lines).toBeGreaterThan(0);

    const report = await cli<TraceReport>(['trace', messageId]);
    expect(report.traces).toHaveLength(1);
    const [trace] = report.traces;
    expect(trace?.hops.map((h) => [h.host, h.queueId, h.from])).toEqual([
      ['mx-a', edgeId, 'sender@example.org'],
      ['mx-b', hubId, 'sender@example.org'],
    ]);
    expect(trace?.hops[0]?.deliveries).toEqual([expect.objectContaining({to: 'alice@lab.test', status: 'sent', nextQueueId: hubId, nextHost: 'mx-b', relay: `127.0.0.1[127.0.0.1]:${pair.mailhub.smtp.port}`})]);
    expect(trace?.hops[1]?.deliveries).toEqual([expect.objectContaining({to: 'alice@lab.test', status: 'sent', program: 'postfix-b/lmtp', sessionId, relay: `127.0.0.1[127.0.0.1]:${lab.lmtp.port}`})]);
    expect(trace?.placements).toEqual([expect.objectContaining({sessionId, folder: 'user.alice'})]);
    expect(trace?.placements[0]?.placementRef).toMatch(/^user\.alice:\d+$/);
    expect(trace?.outcomes).toEqual([expect.objectContaining({recipient: 'alice@lab.test', status: 'delivered', host: 'mx-b'})]);
    expect(trace?.history.map((h) => h.message.messageId)).toEqual([messageId]);
    // bonnie history --message shows the transport path too.
    const history = await cli<{transport: Array<{host: string; queueId: string}>}>(['history', '--message', messageId]);
    expect(history.transport.map((h) => [h.host, h.queueId])).toEqual([
      ['mx-a', edgeId],
      ['mx-b', hubId],
    ]);

    // The same path from the edge's queue ID.
    const byQueueId = await cli<TraceReport>(['trace', edgeId]);
    expect(byQueueId.traces[0]?.hops.map((h) => h.queueId)).toEqual([edgeId, hubId]);
  });

  it('shows a deferral at the edge and a bounce at the mailhub with their reasons, and the notice', async () => {
    const messageId = `<two-fates-${stamp}@example.org>`;
    const sent = await sendMail({port: pair.edge.smtp.port, from: 'sender@example.org', to: ['someone@dead.test', 'nosuchuser@lab.test'], messageId: messageId.slice(1, -1), subject: 'two fates'});
    const edgeId = sent.queueId as string;
    await waitForLogLine(pair.edge.maillog, new RegExp(`${edgeId}: to=<someone@dead\\.test>, .*status=deferred`), LOG_TIMEOUT_MS);
    const relayed = await waitForLogLine(pair.edge.maillog, new RegExp(`${edgeId}: to=<nosuchuser@lab\\.test>, .*queued as ([0-9A-F]+)\\)$`), LOG_TIMEOUT_MS);
    const hubId = /queued as ([0-9A-F]+)\)$/.exec(relayed)?.[1] as string;
    const notice = await waitForLogLine(pair.mailhub.maillog, new RegExp(`${hubId}: sender non-delivery notification: ([0-9A-F]+)$`), LOG_TIMEOUT_MS);
    const noticeId = /notification: ([0-9A-F]+)$/.exec(notice)?.[1] as string;
    await waitForLogLine(pair.mailhub.maillog, new RegExp(`${noticeId}: removed$`), LOG_TIMEOUT_MS);

    expect((await maillog()).unknown).toBe(0);
    const [trace] = (await cli<TraceReport>(['trace', messageId])).traces;
    expect(trace?.hops.map((h) => [h.host, h.queueId, h.origin])).toEqual([
      ['mx-a', edgeId, 'client'],
      ['mx-b', hubId, 'client'],
      ['mx-b', noticeId, 'notice'],
    ]);
    expect(trace?.hops[2]).toMatchObject({noticeOf: hubId, from: ''});
    const outcome = (recipient: string) => trace?.outcomes.find((o) => o.recipient === recipient);
    expect(outcome('someone@dead.test')).toMatchObject({status: 'deferred', host: 'mx-a'});
    expect(outcome('someone@dead.test')?.reason).toMatch(/Connection refused/);
    expect(outcome('nosuchuser@lab.test')).toMatchObject({status: 'bounced', host: 'mx-b'});
    expect(outcome('nosuchuser@lab.test')?.reason).toMatch(/550 5\.1\.1 User unknown/);
    expect(trace?.placements).toEqual([]);

    // By recipient: the same message, found by whom it was for.
    const byTo = await cli<TraceReport>(['trace', '--to', 'nosuchuser@lab.test', '--since', '1h']);
    expect(byTo.traces.map((t) => t.messageId)).toContain(messageId);
  });
});
