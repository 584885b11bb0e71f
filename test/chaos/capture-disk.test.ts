/**
 * A full disk (issue 11): catalog, spill folder and journal on one small tmpfs that the test fills up. The
 * socket daemon keeps every event (the reserve, then memory, then Cyrus waits) and, once room is made,
 * everything reaches the queue exactly once; the per-event dealer spills into the reserve's room; an event
 * that could be kept only in the log is queued again by `bonnie dealer --recover-log`. Needs root (mount).
 */
import {spawnSync} from 'node:child_process';
import {closeSync, mkdirSync, mkdtempSync, openSync, readFileSync, readdirSync, rmSync, writeSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {afterEach, beforeEach, describe, expect, it} from 'vitest';
import {BIN_DEALER, SPECIMENS} from '../helpers/paths.js';
import {bonnie} from '../helpers/run.js';
import {datagramOf, eventJson, query, sendAll, startDaemon, waitFor, type Daemon} from './helpers/daemon.js';

/** The reserve is 32 MiB; the catalog grows by ~72 MB with the events below, the filler takes the rest. */
const DISK = '128m';
/** 30,000 events of ~1.3 KB: 39 MB, more than the reserve can take. */
const EVENTS = 30_000;
const PAD = 300;

let dir: string;
let disk: string;
const daemons: Daemon[] = [];
const env = {BONNIE_CONFIG: '/dev/null'};

beforeEach(() => {
  if (process.getuid?.() !== 0) throw new Error('the full-disk experiment mounts a tmpfs: run the chaos tests as root');
  dir = mkdtempSync(join(tmpdir(), 'bonnie-chaos-disk-'));
  disk = join(dir, 'disk');
  mkdirSync(disk);
  const mounted = spawnSync('mount', ['-t', 'tmpfs', '-o', `size=${DISK},mode=0700`, 'tmpfs', disk], {encoding: 'utf8'});
  if (mounted.status !== 0) throw new Error(`cannot mount a tmpfs on ${disk}: ${mounted.stderr}`);
});

afterEach(() => {
  for (const daemon of daemons.splice(0)) if (daemon.child.exitCode === null) daemon.child.kill('SIGKILL');
  spawnSync('umount', ['-l', disk]);
  rmSync(dir, {recursive: true, force: true});
});

/** Fills the filesystem of `path` until it refuses a byte; returns the filler file. */
function fill(path: string): string {
  const filler = join(path, 'filler');
  const fd = openSync(filler, 'w');
  const chunk = Buffer.alloc(64 * 1024, 1);
  try {
    for (;;) writeSync(fd, chunk);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOSPC') throw error;
  }
  // The last few bytes too: the disk must be truly full.
  try {
    for (;;) writeSync(fd, chunk, 0, 512);
  } catch {
    // full
  }
  closeSync(fd);
  return filler;
}

const count = (catalog: string) => query<{n: number; d: number | null}>(catalog, 'SELECT count(*) AS n, sum(deliveries) AS d FROM notification')[0] as {n: number; d: number | null};

describe('a full disk', () => {
  it(`the socket daemon keeps all ${EVENTS} events sent while the disk is full, and queues them once there is room`, async () => {
    const catalog = join(disk, 'catalog.db');
    expect((await bonnie(['init', '--catalog', catalog], {env})).code).toBe(0);
    const daemon = await startDaemon({socket: join(dir, 'notify.sock'), catalog, env: {BONNIE_LOG_FILE: join(dir, 'dealer.log')}});
    daemons.push(daemon);
    expect(readdirSync(join(disk, 'spill'))).toContain('.reserve');
    const filler = fill(disk);

    let sent = 0;
    const sending = (async () => {
      for (let n = 0; n < EVENTS; n += 1000) {
        await sendAll(join(dir, 'notify.sock'), Array.from({length: Math.min(1000, EVENTS - n)}, (_v, i) => datagramOf(eventJson(n + i, PAD))));
        sent = n + 1000;
      }
    })();
    // The daemon says the disk is full once the reserve is used up too; it stays up, holding what it reads.
    await waitFor(() => daemon.stdout().includes('"type":"disk-full"'), 'the daemon to report the full disk', 120_000);
    expect(daemon.child.exitCode).toBeNull();
    const whileFull = count(catalog).n;
    expect(whileFull).toBeLessThan(EVENTS);

    rmSync(filler);
    await sending;
    expect(sent).toBeGreaterThanOrEqual(EVENTS);
    await waitFor(() => count(catalog).n >= EVENTS, `${EVENTS} notifications once the disk has room`, 180_000).catch((error: unknown) => {
      const df = spawnSync('df', ['-k', disk], {encoding: 'utf8'}).stdout;
      throw new Error(`${String(error)}; stored ${count(catalog).n}; ${df}; daemon: ${daemon.stdout().slice(-2000)} ${daemon.stderr().slice(-2000)}; log: ${readFileSync(join(dir, 'dealer.log'), 'utf8').slice(-3000)}; journal: ${readdirSync(join(disk, 'spill', 'journal')).join(' ')}`);
    });
    expect(await daemon.stop()).toBe(0);
    const {n, d} = count(catalog);
    const last = JSON.parse(daemon.stdout().trimEnd().split('\n').at(-1) as string) as Record<string, number>;
    console.info(`chaos capture-disk: sent ${EVENTS} events of ~1.3 kB on a full ${DISK} disk, stored ${n}, lost ${EVENTS - n}, duplicated ${(d ?? 0) - n}, reserve released ${last.reserveReleases} time(s), ${whileFull} queued while full`);
    expect(n).toBe(EVENTS);
    expect(d).toBe(EVENTS);
    expect(last).toMatchObject({type: 'stopped', received: EVENTS, journaled: EVENTS, lost: 0, left: 0});
    expect(last.reserveReleases).toBeGreaterThanOrEqual(1);
    expect(query(catalog, 'SELECT count(*) AS n FROM quarantine')).toEqual([{n: 0}]);
    // Room again: the reserve is back for the next time.
    expect(readdirSync(join(disk, 'spill')), spawnSync('df', ['-k', disk], {encoding: 'utf8'}).stdout + readFileSync(join(dir, 'dealer.log'), 'utf8').slice(-1500)).toContain('.reserve');
  });

  it('the per-event dealer spills into the reserve\'s room; with no room at all the log keeps the event, and --recover-log queues it once', async () => {
    const catalog = join(disk, 'catalog.db');
    expect((await bonnie(['init', '--catalog', catalog], {env})).code).toBe(0); // makes the reserve
    expect(readdirSync(join(disk, 'spill'))).toContain('.reserve');
    fill(disk);
    const log = join(dir, 'dealer.log');
    const deal = (file: string) =>
      spawnSync(BIN_DEALER, ['-c', 'EVENT', '-p', '1', '-u', '', '-m', ''], {input: readFileSync(join(SPECIMENS, file)), env: {...process.env, ...env, BONNIE_CATALOG: catalog, BONNIE_LOG_FILE: log, CYRUS_SERVICE: 'notify'}});

    // The catalog cannot grow: the first event goes to the spill folder, into the room the reserve gave up.
    expect(deal('01-Login.json').status).toBe(0);
    const spilled = readdirSync(join(disk, 'spill')).filter((name) => name.endsWith('.spill'));
    expect(spilled).toHaveLength(1);
    expect(readdirSync(join(disk, 'spill'))).not.toContain('.reserve');
    // Fill what the reserve freed: now nothing can be written, and the log (on another disk) keeps the bytes.
    fill(join(disk, 'spill'));
    deal('02-MailboxCreate.json');
    expect(readdirSync(join(disk, 'spill')).filter((name) => name.endsWith('.spill') || name.endsWith('.tmp'))).toEqual(spilled);
    expect(readFileSync(log, 'utf8')).toMatch(/LOST unless recovered from this line: .*base64 payload: /);

    rmSync(join(disk, 'filler'));
    rmSync(join(disk, 'spill', 'filler'));
    const drained = await bonnie(['dealer', '--drain-spill', '--json', '--catalog', catalog], {env});
    expect(JSON.parse(drained.stdout)).toMatchObject({files: 1, queued: 1, reserve: true});
    const recovered = await bonnie(['dealer', '--recover-log', log, '--json', '--catalog', catalog], {env});
    expect(JSON.parse(recovered.stdout)).toMatchObject({mode: 'recover-log', lines: 1, queued: 1});
    const again = await bonnie(['dealer', '--recover-log', log, '--json', '--catalog', catalog], {env});
    expect(JSON.parse(again.stdout)).toMatchObject({lines: 1, queued: 0, alreadyRecovered: 1});
    const stored = query<{raw: Buffer}>(catalog, 'SELECT raw FROM notification ORDER BY id').map((row) => row.raw.toString());
    expect(stored).toEqual(['01-Login.json', '02-MailboxCreate.json'].map((file) => readFileSync(join(SPECIMENS, file), 'utf8').trimEnd()));
    expect(query(catalog, 'SELECT count(*) AS n FROM quarantine')).toEqual([{n: 0}]);
  });
});
