/**
 * Live progress on a terminal, drawn with ink on stderr (stdout stays for results and --json): a title
 * line and label/value rows, redrawn at most ten times a second. Callers use it only when stderr is a TTY
 * (BonnieCommand.progress() checks).
 */
import type {Instance} from 'ink';
import type {ProgressSink} from './progress.js';

/** The ink sink: {@link ProgressSink.update} replaces the rows shown (label -> value, in order). */
export type LiveProgress = ProgressSink;

const REDRAW_MS = 100;

/**
 * Loads ink and react, then returns the display. They are imported here, not at the top: ~500 module files
 * and ~150 ms of CPU that a call without a terminal (cron, --json, a pipe) must not pay.
 */
export async function liveProgress(): Promise<LiveProgress> {
  const [{Box, Text, render}, {createElement: h}] = await Promise.all([import('ink'), import('react')]);
  let instance: Instance | undefined;
  let last = 0;
  let latest: {title: string; rows: ReadonlyArray<readonly [string, string]>} | undefined;
  const view = () => {
    if (latest === undefined) return h(Text, null, '');
    const width = Math.max(...latest.rows.map(([label]) => label.length));
    return h(
      Box,
      {flexDirection: 'column'},
      h(Text, {bold: true}, latest.title),
      ...latest.rows.map(([label, value]) => h(Box, {key: label}, h(Text, {dimColor: true}, `  ${label.padEnd(width)}  `), h(Text, null, value))),
    );
  };
  const draw = () => {
    if (instance === undefined) instance = render(view(), {stdout: process.stderr as unknown as NodeJS.WriteStream, patchConsole: false, exitOnCtrlC: false});
    else instance.rerender(view());
  };
  return {
    update(title, rows) {
      latest = {title, rows};
      const now = Date.now();
      if (now - last < REDRAW_MS) return;
      last = now;
      draw();
    },
    done() {
      if (latest === undefined) return;
      draw();
      instance?.unmount();
      instance = undefined;
      // Drawn once: a second call (e.g. from a finally block) leaves the screen as it is.
      latest = undefined;
    },
  };
}

// Here for the commands that import it from the CLI; it lives in config so that library code can use it.
export {formatBytes} from '../base/config/bytes.js';
