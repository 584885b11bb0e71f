import {BonnieError, EXIT} from '../../base/errors.js';

/** Ids given on the command line (`12 13 20`), as positive integers; UsageInvalid (exit 2) otherwise. */
export function parseIds(argv: readonly unknown[], what: string, hint: string): number[] {
  return argv.map((arg) => {
    const text = String(arg);
    if (!/^[1-9]\d{0,15}$/.test(text)) throw new BonnieError('UsageInvalid', `"${text}" is not a ${what} id`, {exit: EXIT.usage, hint});
    return Number(text);
  });
}
