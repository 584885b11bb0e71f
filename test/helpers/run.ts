/** Runs the built CLI or dealer as a separate process, the way an administrator or notifyd would. */
import {spawn} from 'node:child_process';
import type {Status} from '../../src/lib/read/status/status.js';
import {BIN_DEALER, BIN_RUN} from './paths.js';

export interface Ran {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Notifyd's argv for one event class (FACTS.md: `-c EVENT -p '' -u '' -m '' -f`). */
export const NOTIFYD_ARGV = (eventClass = 'EVENT') => ['-c', eventClass, '-p', '', '-u', '', '-m', '', '-f'];

export function run(command: string, args: string[], options: {input?: Uint8Array | string; env?: NodeJS.ProcessEnv; cwd?: string} = {}): Promise<Ran> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {env: {...process.env, ...options.env}, cwd: options.cwd, stdio: ['pipe', 'pipe', 'pipe']});
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (d: Buffer) => out.push(d));
    child.stderr.on('data', (d: Buffer) => err.push(d));
    child.on('error', reject);
    child.on('close', (code) => resolve({code, stdout: Buffer.concat(out).toString(), stderr: Buffer.concat(err).toString()}));
    child.stdin.on('error', () => undefined);
    child.stdin.end(options.input ?? '');
  });
}

/** `bonnie <args>` from bin/run.js (the built CLI). */
export const bonnie = (args: string[], options: Parameters<typeof run>[2] = {}) => run(process.execPath, [BIN_RUN, ...args], options);

/** bin/bonnie-dealer, as notifyd runs it. */
export const dealer = (input: Uint8Array | string, args: string[] = NOTIFYD_ARGV(), env: NodeJS.ProcessEnv = {}) =>
  run(BIN_DEALER, args, {input, env: {CYRUS_SERVICE: 'notify', ...env}});

/** Exit statuses of `bonnie status` that still print the status: ok (0), warning (6), critical (7). */
const STATUS_HEALTH_EXITS = [0, 6, 7];

/** `bonnie status --json` as an object (whatever its health; its exit status must match it). */
export async function status(catalog: string, env: NodeJS.ProcessEnv = {}): Promise<StatusJson> {
  const ran = await bonnie(['status', '--json', '--catalog', catalog], {env});
  if (ran.code === null || !STATUS_HEALTH_EXITS.includes(ran.code)) throw new Error(`bonnie status failed (${ran.code}): ${ran.stderr}${ran.stdout}`);
  const parsed = JSON.parse(ran.stdout) as StatusJson;
  if (parsed.health.exit !== ran.code) throw new Error(`bonnie status exited ${ran.code} for health ${parsed.health.level} (${parsed.health.exit})`);
  return parsed;
}

/** What `bonnie status --json` prints. */
export type StatusJson = Status;
