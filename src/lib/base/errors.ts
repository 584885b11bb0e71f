/**
 * The one error class bonnie raises for expected failures. Its `code` is stable (scripts may match on
 * it, `--json` prints it), its `exit` is one of {@link EXIT}, and its `hint` tells the user what to do.
 */
export class BonnieError extends Error {
  readonly code: string;
  readonly exit: number;
  readonly hint: string | undefined;

  constructor(code: string, message: string, options: {exit?: number; hint?: string; cause?: unknown} = {}) {
    super(message, options.cause === undefined ? undefined : {cause: options.cause});
    this.name = 'BonnieError';
    this.code = code;
    this.exit = options.exit ?? EXIT.failure;
    this.hint = options.hint;
  }
}

/**
 * Exit statuses: a documented contract (bonnie(1), EXIT STATUS). Never renumber; only add.
 */
export const EXIT = {
  /** Success. */
  ok: 0,
  /** A failure not covered below. */
  failure: 1,
  /** Bad command-line usage (unknown flag, missing argument). */
  usage: 2,
  /** The configuration file or environment is invalid. */
  config: 3,
  /** The catalog cannot be opened, is locked, or was written by a newer bonnie. */
  catalog: 4,
  /** The check ran and found problems (e.g. a broken evidence chain). */
  unsound: 5,
  /** `bonnie status`: something needs an operator's attention (its health reasons say what). */
  warning: 6,
  /** `bonnie status`: something is broken or was given up (dead jobs, broken segments...). */
  critical: 7,
} as const;

/** What each exit status means, for the man page and `--help`. */
export const EXIT_DESCRIPTIONS: ReadonlyArray<readonly [number, string]> = [
  [EXIT.ok, 'Success.'],
  [EXIT.failure, 'A failure not covered below; the message says what and the hint what to do.'],
  [EXIT.usage, 'Bad usage: an unknown flag, a missing or invalid argument.'],
  [EXIT.config, 'The configuration (file, environment or flags) is invalid; the message names the key and the file.'],
  [EXIT.catalog, 'The catalog cannot be opened or written: missing, locked, read-only, or written by a newer bonnie.'],
  [EXIT.unsound, 'A check ran and found problems (reported one by one).'],
  [EXIT.warning, 'bonnie status: a warning, something needs attention (open gaps, quarantined input not reviewed, jobs waiting for a retry, files waiting to be drained, a backlog).'],
  [EXIT.critical, 'bonnie status: critical, something is broken or was given up (dead jobs, broken segments, failed reconcile or collector jobs). With --nagios, bonnie status exits 0, 1, 2 or 3 as Nagios plugins do instead.'],
];

/** Message of any thrown value, for logs. */
export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
