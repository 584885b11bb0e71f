/**
 * `bonnie dealer --listen` on a lab in `listen` mode: the built CLI as a child process bound to the lab's
 * notify socket, writing the lab's catalog, as the systemd unit runs it in production (here as root).
 */
import {spawn} from 'node:child_process';
import {join} from 'node:path';
import type {ListenerCounters} from '../../src/lib/pipeline/capture/listen.js';
import {REPO, type LabInfo} from './lab.js';

/** The last line `bonnie dealer --listen --json` prints: its final counters. */
export type ListenerStopped = {type: 'stopped'} & ListenerCounters;

export interface RunningListener {
  /** SIGTERM, then the final counters once it exited (rejects if it did not exit 0). */
  stop(): Promise<ListenerStopped>;
}

const READY_TIMEOUT_MS = 30_000;

/** Starts the socket dealer on `lab.notifySocket`; resolves once it listens. */
export async function startListener(lab: LabInfo): Promise<RunningListener> {
  if (lab.notify !== 'listen') throw new Error(`the lab runs notify mode "${lab.notify}": start it with {notify: 'listen'}`);
  const child = spawn(process.execPath, [join(REPO, 'bin/run.js'), 'dealer', '--listen', lab.notifySocket, '--catalog', lab.catalog, '--json'], {
    env: {...process.env, BONNIE_CONFIG: '/dev/null', BONNIE_LOG_FILE: join(lab.dir, 'bonnie', 'listen.log')},
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  const deadline = Date.now() + READY_TIMEOUT_MS;
  while (!out.includes('"listening"')) {
    if (child.exitCode !== null || Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`bonnie dealer --listen did not start: ${err || out}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return {
    async stop() {
      child.kill('SIGTERM');
      const code = await exited;
      if (code !== 0) throw new Error(`bonnie dealer --listen exited ${code}: ${err}`);
      const last = out.trimEnd().split('\n').at(-1) ?? '';
      return JSON.parse(last) as ListenerStopped;
    },
  };
}
