/**
 * The loop behind every `--follow`: run a round, wait a moment when it found nothing to do, run again,
 * until SIGTERM or SIGINT. A signal never interrupts a round: it ends the wait, or stops the loop once
 * the round in progress is finished.
 */

/** Pause between rounds that found nothing to do. */
export const FOLLOW_IDLE_MS = 1000;

export interface FollowOptions<T> {
  /** One round of work. */
  round: () => T | Promise<T>;
  /** True when the round found nothing to do (the loop waits before the next one). */
  idle: (round: T) => boolean;
  /** Adds a round's result to the total so far. */
  merge: (total: T, round: T) => T;
  signals?: readonly NodeJS.Signals[];
  /** Pause after an idle round, ms (default {@link FOLLOW_IDLE_MS}). */
  idleMs?: number;
}

/** Runs rounds until a signal; resolves with the merged results of every round (at least one). */
export async function followUntilSignal<T>({round, idle, merge, signals = ['SIGTERM', 'SIGINT'], idleMs = FOLLOW_IDLE_MS}: FollowOptions<T>): Promise<T> {
  let stopping = false;
  let wake: () => void = () => undefined;
  const onSignal = () => {
    stopping = true;
    wake();
  };
  for (const signal of signals) process.on(signal, onSignal);
  let total: T | undefined;
  try {
    do {
      const result = await round();
      total = total === undefined ? result : merge(total, result);
      if (!stopping && idle(result)) {
        // A referenced timer: it is what keeps the process alive while waiting (an unref'd one let Node
        // exit mid-loop with status 13). A signal clears it, so stopping does not wait it out.
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, idleMs);
          wake = () => {
            clearTimeout(timer);
            resolve();
          };
        });
      }
    } while (!stopping);
  } finally {
    for (const signal of signals) process.removeListener(signal, onSignal);
  }
  return total;
}
