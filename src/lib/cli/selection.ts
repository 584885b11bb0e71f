/** What `bonnie restore` and `bonnie export` select: one of --mailbox, --user, --message, at --at (default now). */
import {parseInstant} from '../base/config/dates.js';
import {parseSelector} from '../core/selector.js';
import type {RestoreSelector} from '../out/restore/targets.js';

export interface SelectionFlags {
  mailbox?: string | undefined;
  user?: string | undefined;
  message?: string | undefined;
  at?: string | undefined;
}

/** The selector (the one parser, core/selector.ts) and the instant (ms since the epoch) the flags name; oclif ensures exactly one selector. */
export function selectionFrom(flags: SelectionFlags, now = new Date()): {selector: RestoreSelector; at: number} {
  const at = flags.at === undefined ? now.getTime() : parseInstant(flags.at, '--at', now);
  // Without --all among the flags, the selector is never `all`.
  const selector = parseSelector({mailbox: flags.mailbox, user: flags.user, message: flags.message}) as RestoreSelector;
  return {selector, at};
}
