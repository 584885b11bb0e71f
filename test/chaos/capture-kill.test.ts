/**
 * The socket daemon under load, killed with SIGKILL again and again, and behind a catalog another process
 * holds locked (issue 11): no event sent is lost or stored twice, and Cyrus (here a sender that waits on a
 * full socket queue, as Cyrus' blocking sendto() does) never waits on the catalog's lock.
 */
import {mkdtempSync, readdirSync, rmSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import Database from 'better-sqlite3';
import {afterEach, beforeEach, describe, expect, it} from 'vitest';
import {bonnie} from '../helpers/run.js';
import {datagramOf, eventJson, query, seeded, sendAll, startDaemon, waitFor, type Daemon} from './helpers/daemon.js';

const EVENTS = 10_000;
const KILLS = 5;
/** A kill comes this long (at random, up to twice it) after the daemon started reading: while events flow. */
const KILL_AFTER_MS = 400;

let dir: string;
let catalog: string;
let socket: string;
const daemons: Daemon[] = [];

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'bonnie-chaos-'));
  catalog = join(dir, 'catalog.db');
  socket = join(dir, 'notify.sock');
  const init = await bonnie(['init', '--catalog', catalog], {env: {BONNIE_CONFIG: '/dev/null'}});
  expect(init.code, init.stderr).toBe(0);
});

afterEach(() => {
  for (const daemon of daemons.splice(0)) if (daemon.child.exitCode === null) daemon.child.kill('SIGKILL');
  rmSync(dir, {recursive: true, force: true});
});

const counts = () => query<{n: number; d: number | null}>(catalog, 'SELECT count(*) AS n, sum(deliveries) AS d FROM notification')[0] as {n: number; d: number | null};

describe('bonnie dealer --listen, killed with SIGKILL under load', () => {
  it(`loses none of ${EVENTS} events and stores none twice through ${KILLS} kills of the daemon`, async () => {
    const daemon = await startDaemon({socket, catalog, env: {BONNIE_LOG_FILE: join(dir, 'dealer.log')}});
    daemons.push(daemon);
    const datagrams = Array.from({length: EVENTS}, (_v, n) => datagramOf(eventJson(n)));
    let sent = false;
    const sending = sendAll(socket, datagrams).then(() => (sent = true));
    const random = seeded(11);
    const killed: number[] = [];
    while (killed.length < KILLS) {
      // Wait for a daemon that has started reading (a new pid, and its `listening` line), then kill it mid-stream.
      await waitFor(() => {
        const pid = daemon.daemonPid();
        return pid !== undefined && !killed.includes(pid) && (daemon.stdout().match(/"type":"listening"/g) ?? []).length > killed.length;
      }, 'a running daemon', 60_000);
      await new Promise((resolve) => setTimeout(resolve, KILL_AFTER_MS * (1 + random())));
      const pid = daemon.daemonPid() as number;
      process.kill(pid, 'SIGKILL');
      killed.push(pid);
    }
    await sending;
    expect(sent).toBe(true);
    await waitFor(() => counts().n >= EVENTS, `${EVENTS} notifications in the catalog`, 180_000);
    expect(await daemon.stop()).toBe(0);

    const {n, d} = counts();
    const quarantined = query<{n: number}>(catalog, 'SELECT count(*) AS n FROM quarantine')[0]?.n;
    // Figures for bench/README.md (issue 11): sent, lost, duplicated.
    console.info(`chaos capture-kill: sent ${EVENTS}, daemon killed ${killed.length} times, stored ${n}, lost ${EVENTS - n}, duplicated ${(d ?? 0) - n}, quarantined ${quarantined}`);
    expect(n).toBe(EVENTS);
    expect(d).toBe(EVENTS);
    expect(quarantined).toBe(0);
    const stored = new Set(query<{raw: Buffer}>(catalog, 'SELECT raw FROM notification').map((row) => row.raw.toString()));
    expect(Array.from({length: EVENTS}, (_v, i) => eventJson(i)).filter((json) => !stored.has(json))).toEqual([]);
    expect(daemon.stderr().match(/was killed by signal 9/g)).toHaveLength(KILLS);
    expect(readdirSync(join(dir, 'spill', 'journal'))).toEqual([]);
  });

  it('keeps reading while another process holds the catalog locked: the sender never waits on the lock', async () => {
    const daemon = await startDaemon({socket, catalog, env: {BONNIE_LOG_FILE: join(dir, 'dealer.log')}, args: ['--dealer-timeout', '100ms']});
    daemons.push(daemon);
    const locker = new Database(catalog);
    locker.pragma('busy_timeout = 10000');
    locker.prepare('BEGIN IMMEDIATE').run();
    try {
      // 5,000 events: 450 times the socket's default queue; only a daemon that reads on regardless lets them through.
      await sendAll(socket, Array.from({length: 5000}, (_v, n) => datagramOf(eventJson(n))));
      // Everything was sent while the lock was held, so nothing new can be in the catalog yet.
      expect(locker.prepare('SELECT count(*) AS n FROM notification').get()).toEqual({n: 0});
    } finally {
      locker.prepare('COMMIT').run();
      locker.close();
    }
    await waitFor(() => counts().n >= 5000, '5,000 notifications once the lock is released', 120_000);
    expect(await daemon.stop()).toBe(0);
    expect(counts()).toEqual({n: 5000, d: 5000});
    const last = JSON.parse(daemon.stdout().trimEnd().split('\n').at(-1) as string) as Record<string, unknown>;
    expect(last).toMatchObject({type: 'stopped', received: 5000, journaled: 5000, left: 0});
    expect(daemon.stdout()).toMatch(/"type":"catalog-unavailable"/);
  });
});
