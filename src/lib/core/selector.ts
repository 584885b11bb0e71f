/**
 * THE selector: which folders or messages a command acts on, from its flags. `bonnie archive` (--mailbox,
 * --user, --all, --message), `bonnie restore` and `bonnie export` (--mailbox, --user, --message) build it
 * with {@link parseSelector}; a message placement (`<folder>:<uid>`) is read by {@link parsePlacement}
 * only, which `bonnie history --message` and the other message references share.
 */
import {BonnieError, EXIT} from '../base/errors.js';
import {parseMailboxName} from './event/mailbox-name.js';
import {sameFolderName} from './folder.js';

/** What a command selects. `message.ref` is the text given (restore and export accept any message reference). */
export type Selector =
  | {kind: 'all'}
  | {kind: 'user'; login: string}
  | {kind: 'mailbox'; name: string}
  | {kind: 'message'; ref: string};

/** A message by place: a folder (name or mailboxID) and a UID. */
export interface Placement {
  folder: string;
  uid: number;
}

/** IMAP UIDs are 32-bit unsigned, never 0 (RFC 3501 2.3.1.1). */
const MAX_UID = 0xffffffff;

/**
 * Parses `<folder>:<uid>`: the LAST colon splits, so a folder name may hold colons. Undefined when the text
 * is no placement (no folder, a UID that is not 1..2^32-1 in plain decimal).
 */
export function parsePlacement(text: string): Placement | undefined {
  const colon = text.lastIndexOf(':');
  if (colon <= 0) return undefined;
  const uid = text.slice(colon + 1);
  if (!/^[1-9]\d{0,9}$/.test(uid) || Number(uid) > MAX_UID) return undefined;
  return {folder: text.slice(0, colon), uid: Number(uid)};
}

/** The selecting flags as oclif parsed them; oclif ensures exactly one is set. */
export interface SelectorFlags {
  mailbox?: string | undefined;
  user?: string | undefined;
  message?: string | undefined;
  all?: boolean | undefined;
}

/** The selector the flags name. `message: 'placement'` (archive): --message must be `<mailbox>:<uid>`. */
export function parseSelector(flags: SelectorFlags, options: {message?: 'any' | 'placement'} = {}): Selector {
  if (flags.mailbox !== undefined) return {kind: 'mailbox', name: flags.mailbox};
  if (flags.user !== undefined) return {kind: 'user', login: flags.user};
  if (flags.message !== undefined) {
    const selector = {kind: 'message', ref: flags.message} as const;
    if (options.message === 'placement') placementOf(selector);
    return selector;
  }
  if (flags.all === true) return {kind: 'all'};
  throw new BonnieError('UsageInvalid', 'nothing selected', {exit: EXIT.usage, hint: 'Name what to act on: --mailbox, --user or --message.'});
}

/** The placement a message selector names; throws UsageInvalid (exit 2) when its text is none. */
export function placementOf(selector: {kind: 'message'; ref: string}): Placement {
  const placement = parsePlacement(selector.ref);
  if (placement !== undefined) return placement;
  throw new BonnieError('UsageInvalid', `--message ${selector.ref}: expected <mailbox>:<uid>`, {
    exit: EXIT.usage,
    hint: 'For example --message user.alice:42 (the UID as IMAP and "bonnie history" show it).',
  });
}

/** Whether a folder (admin form) is one the selector names; a message selector names its folder. */
export function selects(selector: Selector, name: string): boolean {
  switch (selector.kind) {
    case 'all':
      return true;
    case 'mailbox':
      return sameFolderName(name, selector.name);
    case 'message':
      return sameFolderName(name, placementOf(selector).folder);
    case 'user':
      return parseMailboxName(name).owner === selector.login;
  }
}
