// Loaded into `bonnie prune` by the prune chaos test only (NODE_OPTIONS="--import <this file>"): counts the
// calls that make a run's effects durable or remove files (write, fsync, rename, unlink, truncate) and
// - with BONNIE_CHAOS_FS_KILL_AT=N, SIGKILLs the process just before the Nth of them, the way a power cut
//   or the OOM killer ends a run between any two of its writes;
// - with BONNIE_CHAOS_FS_COUNT_FILE=PATH, writes how many there were to PATH at exit (a calibration run).
// SQLite's own writes do not pass through node:fs; they are atomic on their own (its journal).
import fs from 'node:fs';
import {syncBuiltinESMExports} from 'node:module';

const killAt = Number(process.env.BONNIE_CHAOS_FS_KILL_AT ?? 0);
const countFile = process.env.BONNIE_CHAOS_FS_COUNT_FILE;
const writeFileSync = fs.writeFileSync;
let calls = 0;

if (killAt > 0 || countFile) {
  for (const name of ['writeSync', 'writevSync', 'fsyncSync', 'fdatasyncSync', 'renameSync', 'unlinkSync', 'ftruncateSync', 'truncateSync']) {
    const original = fs[name];
    fs[name] = function counted(...args) {
      if (++calls === killAt) {
        process.kill(process.pid, 'SIGKILL');
        // The signal is delivered before kill(2) returns; never go on if it were not.
        Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0);
      }
      return original.apply(this, args);
    };
  }
  syncBuiltinESMExports();
  if (countFile) process.on('exit', () => writeFileSync(countFile, String(calls)));
}
