/**
 * The output of a `--follow` command as it runs. With --json: every line the loop reports, as JSON Lines
 * on stdout, written when it happens (a pipe to jq sees each batch live; stdout to a pipe or file is
 * written synchronously on Linux, so nothing waits in a buffer). Without: warnings on stderr, and the
 * other lines rendered for a person on stderr only when one watches (`human`: --verbose, or a terminal);
 * the summary at exit is the command's.
 */

/** Where the lines go (tests pass their own). */
export interface FollowOutput {
  json: boolean;
  /** Write a line per batch for a person (on stderr). */
  human: boolean;
  stdout?: (text: string) => void;
  stderr?: (text: string) => void;
}

/** Returns the listener to hand to the follow loop; `render` gives a line's human text (undefined: none). */
export function followWriter<L extends {type: string}>(output: FollowOutput, render: (line: L) => string | undefined): (line: L) => void {
  const stdout = output.stdout ?? ((text: string) => process.stdout.write(text));
  const stderr = output.stderr ?? ((text: string) => process.stderr.write(text));
  return (line) => {
    if (output.json) {
      stdout(`${JSON.stringify(line)}\n`);
      return;
    }
    if (!output.human && line.type !== 'warning') return;
    const text = render(line);
    if (text !== undefined) stderr(`${text}\n`);
  };
}

/** The time of a line as a person reads it in a log: "08:15:02". */
export function clock(at: string): string {
  return at.slice(11, 19);
}
