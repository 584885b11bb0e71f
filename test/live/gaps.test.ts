/**
 * A real hole in the record: Cyrus drops an event larger than ~21 KB (FACTS.md), here the MessageAppend of
 * a message with a 30 KB Subject (the envelope carries it). `bonnie gaps` must notice it from the next
 * event's counters. Uses frank, whom no other live test touches.
 */
import {describe, expect, inject, it} from 'vitest';
import {lastEventId, waitForEvents} from '../harness/events.js';
import {imapClient} from '../harness/imap.js';
import {testMessage} from '../harness/lmtp.js';
import {bonnie} from '../helpers/run.js';

const lab = inject('lab');

/** A Subject of about `bytes` bytes, folded into lines well under RFC 5322's 998 characters. */
function hugeSubject(bytes: number): string {
  const words = Array.from({length: Math.ceil(bytes / 10)}, (_, i) => `word${String(i).padStart(5, '0')}`);
  const lines: string[] = [];
  for (let i = 0; i < words.length; i += 7) lines.push(words.slice(i, i + 7).join(' '));
  return lines.join('\r\n ');
}

describe('gap detection on a live Cyrus', () => {
  it('notices the APPEND whose 30 KB Subject made Cyrus drop its event', async () => {
    const after = lastEventId(lab);
    const frank = await imapClient(lab, 'frank');
    const big = await frank.append('INBOX', testMessage({from: 'x@lab.test', to: 'frank@lab.test', subject: hugeSubject(30_000), messageId: `huge-${Date.now()}@lab.test`}));
    const next = await frank.append('INBOX', testMessage({from: 'x@lab.test', to: 'frank@lab.test', subject: 'small', messageId: `small-${Date.now()}@lab.test`}));
    await frank.logout();
    expect(big && big.uid).toBe(1);
    expect(next && next.uid).toBe(2);

    const inFranksInbox = (e: {type: string; event: {mailbox?: {name: string} | undefined}}) => e.event.mailbox?.name === 'user.frank';
    const events = await waitForEvents(lab, (es) => es.some((e) => e.type === 'MessageAppend' && inFranksInbox(e) && e.event.uids.first === 2), {after});
    // What Cyrus delivered: the second APPEND only; the first one's event never came.
    expect(events.filter((e) => e.type === 'MessageAppend' && inFranksInbox(e)).map((e) => [...e.event.uids])).toEqual([[2]]);

    const ran = await bonnie(['gaps', '--json', '--catalog', lab.catalog], {env: {BONNIE_CONFIG: '/dev/null'}});
    expect(ran.code, ran.stderr).toBe(0);
    const {gaps} = JSON.parse(ran.stdout) as {gaps: Array<{mailboxName: string; kind: string; from: number; to: number; state: string}>};
    expect(gaps.filter((g) => g.mailboxName === 'user.frank')).toEqual([expect.objectContaining({kind: 'uid', from: 1, to: 1, state: 'open'})]);
    const status = JSON.parse((await bonnie(['status', '--json', '--catalog', lab.catalog], {env: {BONNIE_CONFIG: '/dev/null'}})).stdout) as {gaps: {open: number; reconcilePending: number}};
    expect(status.gaps.open).toBeGreaterThanOrEqual(1);
    expect(status.gaps.reconcilePending).toBeGreaterThanOrEqual(1);
  });
});
