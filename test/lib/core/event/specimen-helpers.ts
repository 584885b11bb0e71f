// Shared by the specimen tests: where the specimens are, and the values they have in common.
import {readFileSync} from 'node:fs';
import {pathToFileURL} from 'node:url';
import {UidSet, parseNotification} from '../../../../src/lib/core/event/index.js';
import {SPECIMENS as SPECIMEN_DIR} from '../../../helpers/paths.js';
import type {BonnieEvent, Envelope, EventCategory, MailboxRef} from '../../../../src/lib/core/event/index.js';

/** ../shared/cyrus/specimens beside the repository, or its copy samples/events (test/helpers/paths.ts). */
export const SPECIMENS = pathToFileURL(SPECIMEN_DIR);

/** Parses one specimen file; a fatal result fails the test. */
export function load(file: string): BonnieEvent {
  const result = parseNotification(readFileSync(new URL(file, SPECIMENS), 'utf8'));
  if (!result.ok) throw new Error(`${file}: ${result.error}`);
  return result.event;
}

export const SERVER = 'imap.lab.test';
export const ALICE_ACL = [{subject: 'alice', rights: 'lrswipkxtecdan'}];
export const ADMIN_SESSION = 'cyruslab-1795348437-13829-2-17949097413055983326';
export const ALICE_SESSION = 'cyruslab-1795348439-13829-1-5917269359843833131';
export const INBOX_ID = '76yzkoa5vpplgcimbgeofaee';
export const INBOX_VALIDITY = 1795348438;

/** Every field at its "not sent" value; each test overrides what its JSON carries. */
export function blank(type: string, category: EventCategory): BonnieEvent {
  return {
    type,
    known: true,
    category,
    timestamp: undefined,
    user: undefined,
    service: undefined,
    mailbox: undefined,
    owner: undefined,
    mailboxId: undefined,
    uids: UidSet.EMPTY,
    sourceMailbox: undefined,
    sourceUids: UidSet.EMPTY,
    sessionId: undefined,
    clientIp: undefined,
    clientPort: undefined,
    serverIp: undefined,
    serverPort: undefined,
    flags: [],
    acl: undefined,
    aclSubject: undefined,
    aclRights: undefined,
    envelope: undefined,
    messageIds: [],
    emailId: undefined,
    messageSize: undefined,
    modseq: undefined,
    uidNext: undefined,
    messages: undefined,
    diskQuota: undefined,
    diskUsed: undefined,
    maxMessages: undefined,
    warnings: [],
  };
}

/** A mailbox on the lab server, `.` separator, no domain. */
export function ref(name: string, owner: string, path: string[], uidValidity: number | undefined): MailboxRef {
  return {name, separator: '.', owner, domain: undefined, path, isInbox: path.length === 0, server: SERVER, uidValidity};
}

const carol = {name: undefined, mailbox: 'carol', host: 'example.org', address: 'carol@example.org'};

/** The envelope of the lab's test messages: from carol@example.org to `to`@imap.lab.test. */
export function envelope(date: string, subject: string, messageId: string): Envelope {
  return {
    date,
    subject,
    from: [carol],
    sender: [carol],
    replyTo: [carol],
    to: [{name: undefined, mailbox: 'alice', host: SERVER, address: `alice@${SERVER}`}],
    cc: [],
    bcc: [],
    inReplyTo: undefined,
    messageId,
  };
}
