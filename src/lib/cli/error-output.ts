/**
 * How an expected failure is shown, the same for a command's errors (base-command.ts) and for a command
 * that does not exist (src/hooks/command-not-found.ts): with --json, the documented object on stdout;
 * otherwise the message and its hint on stderr. Never a stack trace.
 */
import type {BonnieError} from '../base/errors.js';

/** The documented `--json` error object (bonnie(1), EXIT STATUS): fields are only ever added. */
export interface ErrorJson {
  error: {code: string; message: string; hint: string | null; exit: number};
}

export function errorJson(error: BonnieError): ErrorJson {
  return {error: {code: error.code, message: error.message, hint: error.hint ?? null, exit: error.exit}};
}

/** `bonnie: <message>` and, when there is one, `hint: <hint>`, each ending with a newline. */
export function errorText(error: BonnieError): string {
  return `bonnie: ${error.message}\n${error.hint === undefined ? '' : `hint: ${error.hint}\n`}`;
}
