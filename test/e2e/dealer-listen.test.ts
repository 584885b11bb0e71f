/**
 * `bonnie dealer --listen` as an administrator (or systemd) runs it: the built CLI as a separate process,
 * bound to a socket in a temporary folder, fed datagrams laid out byte for byte as Cyrus' notify() builds
 * them, stopped with SIGTERM. Requires the build (the test command builds first).
 */
import {spawn, type ChildProcessWithoutNullStreams} from 'node:child_process';
import {existsSync, mkdirSync, readFileSync, readdirSync, renameSync, statSync, unlinkSync} from 'node:fs';
import {join} from 'node:path';
import {afterEach, beforeEach, describe, expect, it} from 'vitest';
import {createNotifySender} from '../../src/lib/pipeline/capture/notify-sender.js';
import {BIN_RUN, SPECIMENS} from '../helpers/paths.js';
import {bonnie, status} from '../helpers/run.js';
import {queryCatalog} from '../helpers/catalog.js';
import {useTempDirs} from '../helpers/tmp.js';

const tempDir = useTempDirs();
let home: string;
let catalog: string;
let socket: string;
let env: NodeJS.ProcessEnv;
const children: ChildProcessWithoutNullStreams[] = [];

beforeEach(async () => {
  home = tempDir();
  catalog = join(home, 'catalog.db');
  socket = join(home, 'notify');
  env = {BONNIE_LOG_FILE: join(home, 'dealer.log'), BONNIE_CONFIG: '/dev/null'};
  const init = await bonnie(['init', '--catalog', catalog], {env});
  expect(init.code, init.stderr).toBe(0);
});

afterEach(() => {
  for (const child of children.splice(0)) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
});

const specimens = readdirSync(SPECIMENS).filter((f) => f.endsWith('.json')).sort();
/** The event as mboxevent_notify() passes it to notify(): notify_external's stdin without the newline. */
const eventJson = (file: string) => readFileSync(join(SPECIMENS, file), 'utf8').trimEnd();

/**
 * What imap/notify.c's notify() sends for an event with `event_notifier: external`: method, class,
 * priority, user, mailbox, nopt, message, each followed by a NUL (add_arg), no options, no file name.
 */
const cyrusDatagram = (json: string) => Buffer.concat(['external', 'EVENT', '', '', '', '0', json].map((field) => Buffer.from(`${field}\0`)));

interface Daemon {
  child: ChildProcessWithoutNullStreams;
  stdout: () => string;
  stderr: () => string;
  exited: Promise<{code: number | null; signal: NodeJS.Signals | null}>;
}

/** Starts `bonnie dealer --listen` and resolves once it listens (or the process ended). */
async function startDaemon(args: string[]): Promise<Daemon> {
  const child = spawn(process.execPath, [BIN_RUN, 'dealer', '--listen', socket, '--catalog', catalog, ...args], {env: {...process.env, ...env}});
  children.push(child);
  let out = '';
  let err = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  const exited = new Promise<{code: number | null; signal: NodeJS.Signals | null}>((resolve) => child.on('close', (code, signal) => resolve({code, signal})));
  let ended = false;
  void exited.then(() => (ended = true));
  const deadline = Date.now() + 30_000;
  // Ready once the daemon says so (stderr, or the `listening` JSON line).
  while (!ended && !/bonnie: reading |"type":"listening"/.test(err + out)) {
    if (Date.now() > deadline) throw new Error(`the daemon did not bind ${socket}: ${err}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return {child, stdout: () => out, stderr: () => err, exited};
}

const rows = <T>(sql: string): T[] => queryCatalog<T>(catalog, sql);

describe('bonnie dealer --listen', () => {
  it('commits every specimen sent as Cyrus sends it, in order, and on SIGTERM exits 0 and removes the socket', async () => {
    const daemon = await startDaemon(['--json']);
    expect(statSync(socket).mode & 0o777).toBe(0o660);
    const sender = createNotifySender(socket);
    try {
      for (const file of specimens) await sender.send(cyrusDatagram(eventJson(file)));
    } finally {
      sender.close();
    }
    daemon.child.kill('SIGTERM');
    const {code} = await daemon.exited;
    expect(code, daemon.stderr()).toBe(0);
    expect(existsSync(socket)).toBe(false);

    const stored = rows<{raw: Buffer; source: string; event_type: string}>('SELECT raw, source, event_type FROM notification ORDER BY id');
    expect(stored.map((r) => r.raw.toString())).toEqual(specimens.map(eventJson));
    expect(new Set(stored.map((r) => r.source))).toEqual(new Set(['notify_socket']));
    expect((await status(catalog, env)).queue).toMatchObject({pending: specimens.length, quarantined: 0});

    // JSON Lines: one object per line, `listening` first and `stopped` with the final counters last.
    const lines = daemon.stdout().trimEnd().split('\n').map((line) => JSON.parse(line) as {type: string});
    expect(lines[0]).toMatchObject({type: 'listening', socket, catalog, journal: join(home, 'spill', 'journal')});
    expect(lines.at(-1)).toEqual({
      type: 'stopped',
      received: specimens.length,
      journaled: specimens.length,
      committed: specimens.length,
      queued: specimens.length,
      duplicates: 0,
      quarantined: 0,
      spilled: 0,
      lost: 0,
      batches: expect.any(Number),
      gaps: 0,
      reserveReleases: 0,
      left: 0,
    });
    expect(readFileSync(join(home, 'dealer.log'), 'utf8')).toMatch(/stopped: received 96; journaled 96; committed 96/);
    // The journal a clean stop leaves holds nothing: its files were moved into the queue and removed.
    expect(readdirSync(join(home, 'spill', 'journal'))).toEqual([]);
    expect((await status(catalog, env)).gaps).toEqual({open: 0, reconciled: 0, unscanned: 0, reconcilePending: 0, reconcileFailed: 0, reconcileDead: 0});
  });

  it('notices an event Cyrus did not deliver, and says so in status', async () => {
    const daemon = await startDaemon(['--json']);
    const sender = createNotifySender(socket);
    try {
      // 17 is the APPEND of UID 2 to user.alice: as if its Subject had made it too large for Cyrus to send.
      for (const file of specimens.filter((f) => !f.startsWith('17-'))) await sender.send(cyrusDatagram(eventJson(file)));
    } finally {
      sender.close();
    }
    daemon.child.kill('SIGTERM');
    expect((await daemon.exited).code, daemon.stderr()).toBe(0);
    const lines = daemon.stdout().trimEnd().split('\n').map((line) => JSON.parse(line) as {type: string});
    expect(lines.at(-1)).toMatchObject({type: 'stopped', received: specimens.length - 1, gaps: 1});
    expect((await status(catalog, env)).gaps).toEqual({open: 1, reconciled: 0, unscanned: 0, reconcilePending: 1, reconcileFailed: 0, reconcileDead: 0});
    const gaps = JSON.parse((await bonnie(['gaps', '--no-scan', '--json', '--catalog', catalog], {env})).stdout) as {gaps: unknown[]};
    expect(gaps.gaps).toMatchObject([{mailboxName: 'user.alice', kind: 'uid', from: 2, to: 2, state: 'open'}]);
  });

  it('stores a notification that notify_external already delivered only once', async () => {
    const event = readFileSync(join(SPECIMENS, '01-Login.json'));
    const viaStdin = await bonnie(['dealer', '--catalog', catalog], {env, input: event});
    expect(viaStdin.code, viaStdin.stderr).toBe(0);
    const daemon = await startDaemon([]);
    const sender = createNotifySender(socket);
    await sender.send(cyrusDatagram(eventJson('01-Login.json')));
    sender.close();
    daemon.child.kill('SIGTERM');
    expect((await daemon.exited).code).toBe(0);
    expect(rows('SELECT deliveries FROM notification')).toEqual([{deliveries: 2}]);
  });

  it('moves what arrives after its catalog was replaced (a restore) into the new file, with what its journal still holds', async () => {
    const daemon = await startDaemon([]);
    const sender = createNotifySender(socket);
    await sender.send(cyrusDatagram(eventJson('01-Login.json')));
    const committed = async (path: string, n: number) => {
      for (const deadline = Date.now() + 20_000; queryCatalog<{n: number}>(path, 'SELECT count(*) AS n FROM notification')[0]?.n !== n; ) {
        if (Date.now() > deadline) throw new Error(`${path} never held ${n} notification(s): ${daemon.stderr()}\n${readFileSync(join(home, "dealer.log"), "utf8")}`);
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    };
    await committed(catalog, 1);
    // The administrator moves the catalog aside (with its -wal and -shm) and puts another in its place.
    for (const suffix of ['', '-wal', '-shm']) if (existsSync(catalog + suffix)) renameSync(catalog + suffix, `${catalog}.old${suffix}`);
    const init = await bonnie(['init', '--catalog', catalog], {env});
    expect(init.code, init.stderr).toBe(0);
    await sender.send(cyrusDatagram(eventJson('02-MailboxCreate.json')));
    sender.close();
    // The journal still holds what went into the old file: the new one (a backup, say) gets it too.
    await committed(catalog, 2);
    daemon.child.kill('SIGTERM');
    expect((await daemon.exited).code).toBe(0);
    expect(rows<{event_type: string}>('SELECT event_type FROM notification ORDER BY id')).toEqual([{event_type: 'Login'}, {event_type: 'MailboxCreate'}]);
    expect(queryCatalog<{event_type: string}>(`${catalog}.old`, 'SELECT event_type FROM notification')).toEqual([{event_type: 'Login'}]);
    expect(readFileSync(join(home, 'dealer.log'), 'utf8')).toContain('was replaced or removed while the daemon ran');
  });

  it('binds its socket anew when the path is removed while it runs, losing nothing sent before or after', async () => {
    const daemon = await startDaemon([]);
    const sender = createNotifySender(socket);
    await sender.send(cyrusDatagram(eventJson('01-Login.json')));
    sender.close();
    // A cleaner of /run, or a Cyrus restart that empties its socket folder: Cyrus' sends now fail.
    unlinkSync(socket);
    // Bound anew (the inode number may well be the same again) and read by a new daemon.
    const deadline = Date.now() + 30_000;
    while (!(existsSync(socket) && (daemon.stderr().match(/bonnie: reading /g) ?? []).length === 2) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
    expect(existsSync(socket), daemon.stderr()).toBe(true);
    // The new socket is read by a daemon again.
    const again = createNotifySender(socket);
    await again.send(cyrusDatagram(eventJson('02-MailboxCreate.json')));
    again.close();
    for (const until = Date.now() + 20_000; rows<{n: number}>('SELECT count(*) AS n FROM notification')[0]?.n !== 2 && Date.now() < until; ) await new Promise((resolve) => setTimeout(resolve, 50));
    expect(rows<{event_type: string}>('SELECT event_type FROM notification ORDER BY id')).toEqual([{event_type: 'Login'}, {event_type: 'MailboxCreate'}]);
    expect(daemon.stderr()).toMatch(/was removed or replaced: Cyrus cannot reach the daemon; stopping it and binding .* anew/);
    daemon.child.kill('SIGTERM');
    expect((await daemon.exited).code).toBe(0);
    expect(existsSync(socket)).toBe(false);
  });

  it('refuses to start on a socket another listener is alive on; says so on stderr, quietly on stdout', async () => {
    const first = await startDaemon([]);
    const second = await bonnie(['dealer', '--listen', socket, '--catalog', catalog], {env});
    expect(second.code).toBe(1);
    expect(second.stderr).toMatch(/another process is listening on .*notify\nhint: Stop it first/);
    expect(existsSync(socket)).toBe(true);

    first.child.kill('SIGINT');
    expect((await first.exited).code).toBe(0);
    expect(first.stdout()).toBe('');
    expect(first.stderr()).toMatch(/reading .*notify[\s\S]*stopped: received 0/);
    expect(existsSync(socket)).toBe(false);
  });
  it("refuses to start on another catalog's spill folder, before it reads anything", async () => {
    const shared = join(home, 'shared-spill');
    mkdirSync(shared);
    const drained = await bonnie(['dealer', '--drain-spill', '--catalog', catalog, '--spill', shared], {env});
    expect(drained.code, drained.stderr).toBe(0);
    const other = join(home, 'other.db');
    expect((await bonnie(['init', '--catalog', other], {env})).code).toBe(0);
    const refused = await bonnie(['dealer', '--listen', socket, '--catalog', other, '--spill', shared], {env});
    // A configuration error: the holder stops instead of starting the daemon again (exit 1 would).
    expect(refused.code).toBe(3);
    expect(refused.stderr).toContain(`the spill folder ${shared} belongs to another catalog (${catalog})`);
    expect(refused.stderr).toContain('hint: Give each catalog its own spill folder');
    expect(existsSync(join(shared, 'journal'))).toBe(false);
  });

  it('stops the holder and the daemon, keeping what they received, when the command itself is killed with SIGKILL', async () => {
    const daemon = await startDaemon(['--json']);
    const sender = createNotifySender(socket);
    try {
      for (const file of specimens.slice(0, 10)) await sender.send(cyrusDatagram(eventJson(file)));
    } finally {
      sender.close();
    }
    daemon.child.kill('SIGKILL');
    await daemon.exited;
    // The holder notices its parent is gone, stops the daemon cleanly and removes the socket.
    const deadline = Date.now() + 30_000;
    while (existsSync(socket) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 100));
    expect(existsSync(socket)).toBe(false);
    const deadlineLog = Date.now() + 30_000;
    while (!/stopped: received 10/.test(readFileSync(join(home, 'dealer.log'), 'utf8')) && Date.now() < deadlineLog) await new Promise((resolve) => setTimeout(resolve, 100));
    expect(rows<{n: number}>('SELECT count(*) AS n FROM notification')).toEqual([{n: 10}]);
  });
});
