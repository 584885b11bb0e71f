/**
 * `bonnie dealer --listen` in place of notifyd, on a lab of its own (notify mode `listen`): what users do
 * reaches the catalog through the socket, nothing is lost or quarantined, and a STORE too large for Cyrus
 * to send is noticed as a gap.
 */
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {lastEventId, readEvents} from '../harness/events.js';
import {imapClient} from '../harness/imap.js';
import {startLab, type Lab} from '../harness/lab.js';
import {startListener} from '../harness/listener.js';
import {lmtpDeliver, testMessage} from '../harness/lmtp.js';
import {bonnie} from '../helpers/run.js';
import {UidSet} from '../../src/lib/core/event/index.js';

let lab: Lab;
beforeAll(async () => {
  lab = await startLab({notify: 'listen'});
});
afterAll(async () => {
  await lab?.stop();
});

const message = (n: number, idLength = 20) =>
  testMessage({from: 'x@lab.test', to: 'alice@lab.test', subject: `message ${n}`, messageId: `${String(n).padStart(idLength, '0')}@lab.test`});

describe('bonnie dealer --listen on a live Cyrus', () => {
  it('stores every event of an IMAP session and an LMTP delivery, from the socket', async () => {
    const after = lastEventId(lab);
    const listener = await startListener(lab);
    const alice = await imapClient(lab, 'alice');
    await alice.mailboxCreate('Listen');
    for (let n = 1; n <= 20; n++) await alice.append('Listen', message(n), n % 2 === 0 ? ['\\Flagged'] : []);
    await alice.mailboxOpen('Listen');
    await alice.messageFlagsAdd('1:20', ['\\Seen'], {uid: true});
    await alice.messageCopy('1:5', 'INBOX', {uid: true});
    await alice.logout();
    const delivered = await lmtpDeliver(lab, {from: 'x@lab.test', to: ['bob'], message: message(99)});
    expect(delivered.map((r) => r.code)).toEqual([250]);
    const stopped = await listener.stop();

    const events = readEvents(lab, {after});
    expect(stopped).toMatchObject({received: events.length, quarantined: 0, spilled: 0, lost: 0, gaps: 0});
    expect(new Set(events.map((e) => e.source))).toEqual(new Set(['notify_socket']));
    const appends = events.filter((e) => e.type === 'MessageAppend');
    expect(appends.map((e) => [e.event.mailbox?.name, e.event.uids.first])).toEqual(Array.from({length: 20}, (_, i) => ['user.alice.Listen', i + 1]));
    expect(events.filter((e) => e.type === 'MessageRead').flatMap((e) => [...e.event.uids])).toEqual(Array.from({length: 20}, (_, i) => i + 1));
    expect(events.find((e) => e.type === 'vnd.cmu.MessageCopy')?.event).toMatchObject({mailbox: {name: 'user.alice'}, uids: UidSet.of([1, 2, 3, 4, 5]), sourceUids: UidSet.of([1, 2, 3, 4, 5]), sourceMailbox: {name: 'user.alice.Listen'}});
    expect(events.filter((e) => e.type === 'MessageNew').map((e) => e.event.mailbox?.name)).toEqual(['user.bob']);
    expect(events.map((e) => e.type)).toEqual(expect.arrayContaining(['Login', 'MailboxCreate', 'Logout']));
  });

  it('notices a STORE on 400 messages, whose event Cyrus could not send, as a gap', async () => {
    const listener = await startListener(lab);
    const alice = await imapClient(lab, 'alice');
    await alice.mailboxCreate('Bulk');
    // Long Message-IDs: the FlagsSet event lists every one (vnd.cmu.midset), well over Cyrus' ~21 KB.
    for (let n = 1; n <= 400; n++) await alice.append('Bulk', message(n, 80));
    await alice.mailboxOpen('Bulk');
    await alice.messageFlagsAdd('1:400', ['\\Flagged'], {uid: true});
    await alice.append('Bulk', message(401, 80));
    await alice.logout();
    const stopped = await listener.stop();
    expect(stopped).toMatchObject({quarantined: 0, spilled: 0, lost: 0});
    expect(stopped.gaps).toBe(1);

    const ran = await bonnie(['gaps', '--no-scan', '--json', '--catalog', lab.catalog], {env: {BONNIE_CONFIG: '/dev/null'}});
    const {gaps} = JSON.parse(ran.stdout) as {gaps: Array<{mailboxName: string; kind: string; from: number; to: number}>};
    // Modseq before the STORE: 1 at creation + 400 appends = 401; the STORE took it to 801.
    expect(gaps).toEqual([expect.objectContaining({mailboxName: 'user.alice.Bulk', kind: 'modseq', from: 402, to: 801})]);
  });
});
