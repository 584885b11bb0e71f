/** What `bonnie restore` and `bonnie export` select: one of --mailbox, --user, --message, at --at (default now). */
import {parseInstant} from '../base/config/dates.js';
import type {RestoreSelector} from '../out/restore/targets.js';

export interface SelectionFlags {
  mailbox?: string | undefined;
  user?: string | undefined;
  message?: string | undefined;
  at?: string | undefined;
}

/** The selector and the instant (ms since the epoch) the flags name; oclif ensures exactly one selector. */
export function selectionFrom(flags: SelectionFlags, now = new Date()): {selector: RestoreSelector; at: number} {
  const at = flags.at === undefined ? now.getTime() : parseInstant(flags.at, '--at', now);
  const selector: RestoreSelector =
    flags.mailbox !== undefined ? {kind: 'mailbox', name: flags.mailbox} : flags.user !== undefined ? {kind: 'user', login: flags.user} : {kind: 'message', ref: flags.message as string};
  return {selector, at};
}
