// Loaded into `bonnie process` by the chaos tests only (NODE_OPTIONS="--import <this file>"): the process
// kills itself with SIGKILL when its engine parses a notification that carries BONNIE_CHAOS_POISON, the way
// a crash in a native module, or the OOM killer, ends a run on one particular event. Only the engine's
// parse counts: gap detection and other readers of the same notification must not die.
const marker = process.env.BONNIE_CHAOS_POISON;
if (marker) {
  const parse = JSON.parse;
  JSON.parse = function poisonedParse(text, reviver) {
    if (typeof text === 'string' && text.includes(marker) && calledByTheEngine(new Error().stack ?? '')) {
      process.kill(process.pid, 'SIGKILL');
      // The signal is delivered before kill(2) returns; never go on parsing if it were not.
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0);
    }
    return parse.call(this, text, reviver);
  };
}

/** True when the notification parser was called by the engine's own parse step (the frame below it). */
function calledByTheEngine(stack) {
  const frames = stack.split('\n');
  const parser = frames.findIndex((frame) => /[\\/]event[\\/]parse\.js:/.test(frame));
  return parser > 0 && /[\\/]process[\\/]engine\.js:/.test(frames[parser + 1] ?? '');
}
