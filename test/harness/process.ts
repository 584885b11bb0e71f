/**
 * Process and network utilities for the lab: run a command, find free loopback ports, wait for a server,
 * stop a daemon by its pid file. Nothing here ever kills by name: only pids this harness wrote down.
 */
import {spawn} from 'node:child_process';
import {existsSync, readFileSync} from 'node:fs';
import {createConnection, createServer} from 'node:net';
import type {AddressInfo, Server} from 'node:net';
import {setTimeout as sleep} from 'node:timers/promises';

export interface CommandResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export interface CommandOptions {
  /** Standard input (a password for `saslpasswd2 -p`, an LDIF); empty when absent. */
  input?: string | Uint8Array;
  /** The whole environment of the child (not merged with this process' environment). */
  env?: NodeJS.ProcessEnv;
  cwd?: string;
}

/** Runs a command to completion and collects its output. Never throws for a non-zero exit. */
export function runCommand(command: string, args: readonly string[], options: CommandOptions = {}): Promise<CommandResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {env: options.env ?? process.env, cwd: options.cwd, stdio: ['pipe', 'pipe', 'pipe']});
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (d: Buffer) => out.push(d));
    child.stderr.on('data', (d: Buffer) => err.push(d));
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({code, signal, stdout: Buffer.concat(out).toString(), stderr: Buffer.concat(err).toString()}));
    child.stdin.on('error', () => undefined);
    child.stdin.end(options.input ?? '');
  });
}

/** Like {@link runCommand}, but throws (with the command's output) unless it exits 0. */
export async function mustRun(command: string, args: readonly string[], options: CommandOptions = {}): Promise<CommandResult> {
  const result = await runCommand(command, args, options);
  if (result.code !== 0) {
    const why = result.signal === null ? `exit status ${result.code}` : `signal ${result.signal}`;
    throw new Error(`${command} ${args.join(' ')} failed (${why}):\n${result.stderr}${result.stdout}`);
  }
  return result;
}

/**
 * `count` distinct free TCP ports on 127.0.0.1. They are held open together while chosen (so they differ),
 * then released: another process could take one in between, which on a test machine is unlikely enough.
 */
export async function freePorts(count: number): Promise<number[]> {
  const servers: Server[] = [];
  try {
    for (let i = 0; i < count; i++) {
      const server = createServer();
      servers.push(server);
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(0, '127.0.0.1', () => resolve());
      });
    }
    return servers.map((s) => (s.address() as AddressInfo).port);
  } finally {
    await Promise.all(servers.map((s) => new Promise<void>((resolve) => s.close(() => resolve()))));
  }
}

/** Resolves with the first bytes a TCP server sends, or rejects if it cannot connect / says nothing. */
export function readGreeting(host: string, port: number, timeoutMs = 2000): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = createConnection({host, port});
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`no greeting from ${host}:${port} within ${timeoutMs} ms`));
    }, timeoutMs);
    socket.once('data', (data: Buffer) => {
      clearTimeout(timer);
      socket.destroy();
      resolve(data.toString('latin1'));
    });
    socket.once('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
  });
}

/** Resolves once something accepts TCP connections on host:port. */
export function canConnect(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({host, port});
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/** Polls `check` every `intervalMs` until it returns true; throws `what` after `timeoutMs`. */
export async function waitUntil(what: string, check: () => Promise<boolean> | boolean, timeoutMs: number, intervalMs = 100): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(intervalMs);
  }
}

/** True while a process with this pid exists (a zombie counts as gone). */
export function isAlive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Field 3, after the parenthesised command name, is the state; Z = zombie, X = dead.
    const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
    return state !== 'Z' && state !== 'X';
  } catch {
    return false;
  }
}

/** The executable's name of a running process (`/proc/<pid>/comm`), or undefined. */
export function processName(pid: number): string | undefined {
  try {
    return readFileSync(`/proc/${pid}/comm`, 'utf8').trim();
  } catch {
    return undefined;
  }
}

/** Reads a pid file; undefined when it is missing or does not hold a pid. */
export function readPidFile(path: string): number | undefined {
  if (!existsSync(path)) return undefined;
  const pid = Number.parseInt(readFileSync(path, 'utf8').trim(), 10);
  return Number.isInteger(pid) && pid > 1 ? pid : undefined;
}

/** How long a daemon gets to exit after SIGTERM before SIGKILL. */
const STOP_GRACE_MS = 15_000;

/**
 * Stops one daemon this harness started: SIGTERM, wait for it to exit, SIGKILL after {@link STOP_GRACE_MS}.
 * `expectedName` guards against a recycled pid: a process with another name is left alone.
 */
export async function stopProcess(pid: number, expectedName: string): Promise<void> {
  if (!isAlive(pid)) return;
  const name = processName(pid);
  if (name !== expectedName) return;
  process.kill(pid, 'SIGTERM');
  const deadline = Date.now() + STOP_GRACE_MS;
  while (isAlive(pid) && Date.now() < deadline) await sleep(50);
  if (isAlive(pid)) {
    process.kill(pid, 'SIGKILL');
    await waitUntil(`${expectedName} (pid ${pid}) to die after SIGKILL`, () => !isAlive(pid), 5000, 50);
  }
}
