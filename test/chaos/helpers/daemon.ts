/**
 * The socket daemon as the chaos tests drive it: `bonnie dealer --listen` started without LISTEN_FDS (so with
 * bonnie's socket holder, as a non-systemd host runs it), the daemon's own pid found under the holder, events
 * sent the way Cyrus' notify() sends them (waiting while the socket's queue is full), and the catalog read
 * read-only, the way an administrator would.
 */
import {execFileSync, spawn, type ChildProcessWithoutNullStreams} from 'node:child_process';
import {createHash} from 'node:crypto';
import {readFileSync} from 'node:fs';
import {join} from 'node:path';
import Database from 'better-sqlite3';
import {encodeNotifyDatagram} from '../../../src/lib/core/event/notify-datagram.js';
import {createNotifySender} from '../../../src/lib/pipeline/capture/notify-sender.js';
import {BIN_RUN, SPECIMENS} from '../../helpers/paths.js';

export {seeded} from '../../helpers/random.js';

export interface Daemon {
  /** The `bonnie dealer --listen` process started by the test (it runs the holder). */
  child: ChildProcessWithoutNullStreams;
  stdout(): string;
  stderr(): string;
  exited: Promise<{code: number | null; signal: NodeJS.Signals | null}>;
  /** The pid of the daemon currently running under the holder, once it has started. */
  daemonPid(): number | undefined;
  /** SIGTERM, then the exit status. */
  stop(): Promise<number | null>;
}

const READY_TIMEOUT_MS = 60_000;

/** Starts the daemon; resolves once the first daemon says it reads the socket. */
export async function startDaemon(options: {socket: string; catalog: string; env?: NodeJS.ProcessEnv; args?: string[]}): Promise<Daemon> {
  const child = spawn(process.execPath, [BIN_RUN, 'dealer', '--listen', options.socket, '--catalog', options.catalog, '--json', ...(options.args ?? [])], {
    env: {...process.env, BONNIE_CONFIG: '/dev/null', ...options.env},
  });
  let out = '';
  let err = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  const exited = new Promise<{code: number | null; signal: NodeJS.Signals | null}>((resolve) => child.on('close', (code, signal) => resolve({code, signal})));
  const daemon: Daemon = {
    child,
    stdout: () => out,
    stderr: () => err,
    exited,
    daemonPid: () => {
      const holder = childrenOf(child.pid as number)[0];
      return holder === undefined ? undefined : childrenOf(holder)[0];
    },
    async stop() {
      child.kill('SIGTERM');
      return (await exited).code;
    },
  };
  await waitFor(() => out.includes('"type":"listening"') || child.exitCode !== null, 'the daemon to start', READY_TIMEOUT_MS);
  if (child.exitCode !== null) throw new Error(`bonnie dealer --listen exited ${child.exitCode}: ${err}`);
  return daemon;
}

/** Pids whose parent is `pid`. */
export function childrenOf(pid: number): number[] {
  try {
    return execFileSync('ps', ['-o', 'pid=', '--ppid', String(pid)], {encoding: 'utf8'})
      .split('\n')
      .map((line) => Number(line.trim()))
      .filter((n) => n > 0);
  } catch {
    return [];
  }
}

/** Sends every datagram in order; a full socket queue makes it wait, as Cyrus' blocking sendto() does. */
export async function sendAll(socket: string, datagrams: readonly Uint8Array[]): Promise<void> {
  const sender = createNotifySender(socket);
  try {
    for (const datagram of datagrams) await sender.send(datagram);
  } finally {
    sender.close();
  }
}

const NEW_MESSAGE = JSON.parse(readFileSync(join(SPECIMENS, '65-MessageNew.json'), 'utf8')) as Record<string, unknown>;

/** The JSON of a distinct, valid MessageNew event per n; `pad` bytes of Subject make it bigger. */
export function eventJson(n: number, pad = 0): string {
  const uri = `imap://imap.lab.test/user.chaos;UIDVALIDITY=1795348438/;UID=${n + 1}`;
  return JSON.stringify(pad > 0 ? {...NEW_MESSAGE, uri, 'vnd.cmu.chaosPad': 'x'.repeat(pad)} : {...NEW_MESSAGE, uri});
}

/** The datagram Cyrus sends for an event (`external\0EVENT\0\0\0\0` `0\0` json `\0`). */
export function datagramOf(json: string | Uint8Array): Buffer {
  return Buffer.from(encodeNotifyDatagram({message: json}));
}

export const sha256 = (bytes: Uint8Array | string) => createHash('sha256').update(bytes).digest('hex');

/** Rows of `sql` from the catalog, read-only; an unreadable catalog (being created) reads as no rows. */
export function query<T>(catalog: string, sql: string): T[] {
  let db: Database.Database | undefined;
  try {
    db = new Database(catalog, {readonly: true, fileMustExist: true});
    db.pragma('busy_timeout = 5000');
    return db.prepare(sql).all() as T[];
  } finally {
    db?.close();
  }
}

/** Waits for `condition`, polling; throws naming `what` after `timeoutMs`. */
export async function waitFor(condition: () => boolean, what: string, timeoutMs = 120_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    // Not too often: each look reads the catalog, and readers hold back the writer's checkpoints.
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}
