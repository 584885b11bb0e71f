/**
 * References to messages: THE place where they are written and read. Every output that shows a message
 * shows one of these, and `bonnie history --message` accepts each of them back.
 *
 * | form                       | names                                                               |
 * | -------------------------- | ------------------------------------------------------------------- |
 * | `M9c44bebc02a85abc0c8606d6` | a message by Cyrus' emailid (`vnd.cmu.emailid`, also JMAP's Email id) |
 * | `msg:12`                   | a message by its row in the record (when Cyrus gave no emailid)      |
 * | `<id@host>` or `id@host`   | messages by their Message-ID header (several may share one)          |
 * | `user.alice.Work:1`        | a placement: folder name (now, or at any time the message was there) and UID |
 * | `8noufdk8233tibe0dudubmdt:1` | a placement: Cyrus' mailboxID and UID                              |
 *
 * Precedence when a text could be read two ways: emailid, then `msg:`, then Message-ID, then placement (a
 * folder literally named `msg` cannot be named by name: use its mailboxID).
 */
import {isoTime} from '../../core/time.js';
import type {Db} from '../../base/catalog/catalog.js';
import {BonnieError, EXIT} from '../../base/errors.js';
import {parsePlacement} from '../../core/selector.js';
import {findMessages, type MessageCandidate, type MessageKey} from '../../pipeline/record/messages.js';

/** A parsed message reference. */
export type MessageRef = MessageKey;

/** Cyrus 3 emailids: `M` and the first 96 bits of the message's GUID in hex. */
const EMAIL_ID = /^M[0-9a-f]{24}$/;
const MESSAGE_ROW = /^msg:([1-9][0-9]{0,15})$/;

const FORMATS_HINT =
  'A message is named by its emailid (M9c44bebc02a85abc0c8606d6), msg:<number>, its Message-ID (<id@host>), or a placement: <folder>:<uid> (user.alice.Work:1) or <mailboxID>:<uid>. Copy one from "bonnie audit" or "bonnie history" output.';

/** Parses a message reference; throws BonnieError `RefInvalid` (usage) for text that is none. */
export function parseMessageRef(text: string): MessageRef {
  const ref = text.trim();
  if (EMAIL_ID.test(ref)) return {kind: 'email-id', emailId: ref};
  const row = MESSAGE_ROW.exec(ref);
  if (row !== null) return {kind: 'message', id: Number(row[1])};
  if (/^<[^<>\s]+>$/.test(ref)) return {kind: 'message-id', messageId: ref};
  if (/^[^<>\s:]+@[^<>\s:]+$/.test(ref)) return {kind: 'message-id', messageId: `<${ref}>`};
  // The one <folder>:<uid> parser, shared with archive, restore and export's --message (core/selector.ts).
  const placement = parsePlacement(ref);
  if (placement !== undefined) return {kind: 'placement', ...placement};
  throw new BonnieError('RefInvalid', `"${text}" is not a message reference`, {exit: EXIT.usage, hint: FORMATS_HINT});
}

/** The reference of a message: its emailid when Cyrus gave one, otherwise `msg:<row>`. */
export function formatMessageRef(message: {id: number; emailId: string | null}): string {
  return message.emailId ?? `msg:${message.id}`;
}

/** The reference of a placement: `<folder name or mailboxID>:<uid>`. */
export function formatPlacementRef(folder: string, uid: number): string {
  return `${folder}:${uid}`;
}

/** A message a reference matched, with what is needed to tell candidates apart. */
/**
 * The message a reference names (its row id). Throws BonnieError `MessageUnknown` (exit 1) when nothing
 * matches, `MessageAmbiguous` (usage) with the candidates' references when several messages do.
 */
export function resolveMessage(db: Db, ref: MessageRef): number {
  const found = findMessages(db, ref);
  const text = describeRef(ref);
  if (found.length === 0) {
    throw new BonnieError('MessageUnknown', `no message ${text} in the record`, {
      hint: 'Copy the reference from "bonnie audit" or "bonnie history" output; a message Cyrus reported after the last "bonnie process" run is not in the record yet.',
    });
  }
  if (found.length > 1) {
    const lines = found.map((m) => `  ${formatMessageRef({id: m.id, emailId: m.email_id}).padEnd(26)} ${isoTime(m.first_seen_at)}  ${m.subject ?? '(no subject)'}`);
    throw new BonnieError('MessageAmbiguous', `${text} matches ${found.length} messages:\n${lines.join('\n')}`, {
      exit: EXIT.usage,
      hint: 'Choose one and pass its reference (the first column) to --message.',
    });
  }
  return (found[0] as MessageCandidate).id;
}

function describeRef(ref: MessageRef): string {
  switch (ref.kind) {
    case 'email-id':
      return ref.emailId;
    case 'message':
      return `msg:${ref.id}`;
    case 'message-id':
      return `with Message-ID ${ref.messageId}`;
    case 'placement':
      return `at ${formatPlacementRef(ref.folder, ref.uid)}`;
  }
}
