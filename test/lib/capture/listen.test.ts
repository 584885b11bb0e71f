/**
 * The socket dealer in-process: a real unix datagram socket in a temporary folder, a temporary catalog
 * file (the listener holds its own connection, so `:memory:` cannot be shared), datagrams sent with
 * unix-dgram the way Cyrus' notify() sends them.
 */
import {execFileSync} from 'node:child_process';
import {existsSync, readFileSync, readdirSync, statSync, writeFileSync} from 'node:fs';
import {join} from 'node:path';
import {afterEach, describe, expect, it} from 'vitest';
import {openCatalog, type Catalog} from '../../../src/lib/catalog/catalog.js';
import {encodeNotifyDatagram} from '../../../src/lib/capture/datagram.js';
import {deliveryFromDatagram, NotifyListener, type ListenerOptions, type ListenerProgress} from '../../../src/lib/capture/listen.js';
import {createNotifySender, type NotifySender} from '../../../src/lib/capture/notify-sender.js';
import {createUnixDgramSocket} from '../../../src/lib/system/unix-dgram.js';
import {drainSpill, listSpill} from '../../../src/lib/capture/spill.js';
import {BonnieError} from '../../../src/lib/errors.js';
import {Ingester} from '../../../src/lib/queue/ingest.js';
import {SPECIMENS} from '../../helpers/paths.js';
import {useTempDirs} from '../../helpers/tmp.js';

const tempDir = useTempDirs();
const running: NotifyListener[] = [];
const senders: NotifySender[] = [];
afterEach(async () => {
  for (const sender of senders.splice(0)) sender.close();
  await Promise.all(running.splice(0).map((listener) => listener.stop()));
});

const specimens = readdirSync(SPECIMENS).filter((f) => f.endsWith('.json')).sort();
/** A specimen as Cyrus hands it to notify(): the JSON without notify_external's newline. */
const specimen = (file: string) => readFileSync(join(SPECIMENS, file), 'utf8').trimEnd();
const newMessage = JSON.parse(specimen('65-MessageNew.json')) as Record<string, unknown>;
/** A distinct valid event per n (byte-identical events are stored once). */
const event = (n: number) => JSON.stringify({...newMessage, uri: `imap://imap.lab.test/user.alice;UIDVALIDITY=1795348438/;UID=${n + 1}`});

interface Started {
  listener: NotifyListener;
  dir: string;
  socket: string;
  catalog: string;
  spill: string;
  log: string;
  progress: ListenerProgress[];
  sender: NotifySender;
}

function start(overrides: Partial<ListenerOptions> = {}, dir = tempDir()): Started {
  const catalog = join(dir, 'catalog.db');
  if (!existsSync(catalog)) openCatalog(catalog, {create: true}).close();
  const progress: ListenerProgress[] = [];
  const options: ListenerOptions = {
    socket: join(dir, 'notify.sock'),
    catalog,
    spill: join(dir, 'spill'),
    logFile: join(dir, 'dealer.log'),
    busyTimeoutMs: 2000,
    onProgress: (p) => progress.push(p),
    ...overrides,
  };
  const listener = NotifyListener.open(options);
  running.push(listener);
  const sender = createNotifySender(listener.path);
  senders.push(sender);
  return {listener, dir, socket: listener.path, catalog, spill: options.spill, log: options.logFile as string, progress, sender};
}

async function sendAll(sender: NotifySender, datagrams: readonly Uint8Array[]): Promise<void> {
  for (const datagram of datagrams) await sender.send(datagram);
}

async function waitFor(condition: () => boolean, what: string, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

function withCatalog<T>(path: string, read: (catalog: Catalog) => T): T {
  const catalog = openCatalog(path);
  try {
    return read(catalog);
  } finally {
    catalog.close();
  }
}

const notifications = (path: string) =>
  withCatalog(path, (c) => c.db.prepare<[], {raw: Buffer; source: string; event_type: string}>('SELECT raw, source, event_type FROM notification ORDER BY id').all());
const quarantined = (path: string) => withCatalog(path, (c) => c.db.prepare<[], {raw: Buffer; source: string; error: string}>('SELECT raw, source, error FROM quarantine ORDER BY id').all());

const groupId = (name: string) => Number(execFileSync('getent', ['group', name], {encoding: 'utf8'}).split(':')[2]);
const isRoot = process.getuid?.() === 0;

/** One bad datagram of each kind, made distinct by n. */
const badDatagrams = (n: number): Buffer[] => [
  encodeNotifyDatagram({message: event(n)}).subarray(0, -1 - (n % 30)), // truncated
  encodeNotifyDatagram({message: event(n)}).fill(0xff, 9, 10), // class not UTF-8
  Buffer.from(`external\0EVENT\0${n}\0`), // missing fields
  encodeNotifyDatagram({message: event(n)}).fill('x'.charCodeAt(0), 18, 19), // nopt "x"
  encodeNotifyDatagram({message: `{"event":"Login","n":${n},`}), // JSON invalid
  encodeNotifyDatagram({message: Buffer.concat([Buffer.from(`{"event":"Login","n":${n},"bad":"`), Buffer.from([0xc3, 0x28]), Buffer.from('"}')])}), // message not UTF-8
  encodeNotifyDatagram({class: 'SIEVE', method: 'mailto', options: ['mailto:a@b'], message: `You have mail ${n}`}), // not an event
  Buffer.from(`external\0EVENT\0\0\0\0${n + 1}\0only-${n}\0`), // fewer options than nopt says
  encodeNotifyDatagram({message: event(n), fname: 'f'}).subarray(0, -1), // fname without NUL
  encodeNotifyDatagram({message: `{"no":"event name","n":${n}}`}), // JSON, but not an event
];

describe('deliveryFromDatagram', () => {
  it('delivers the event JSON of a valid datagram, with source notify_socket', () => {
    const delivery = deliveryFromDatagram(encodeNotifyDatagram({message: specimen('01-Login.json')}), 1000);
    expect(delivery).toEqual({raw: Buffer.from(specimen('01-Login.json')), receivedAt: 1000, source: 'notify_socket'});
  });

  it('rejects a bad datagram whole, with the reason', () => {
    const bytes = encodeNotifyDatagram({message: '{"event":"Login",'});
    const delivery = deliveryFromDatagram(bytes, 1000);
    expect(delivery.raw).toBe(bytes);
    expect(delivery.rejected).toMatch(/^message notification is not JSON/);
    expect(deliveryFromDatagram(encodeNotifyDatagram({class: 'MAIL', method: 'zephyr', message: 'new mail'}), 1).rejected).toMatch(/class "MAIL" \(method "zephyr"\) is not an event notification/);
    expect(deliveryFromDatagram(Buffer.alloc(0), 1).rejected).toBe('empty datagram');
    expect(deliveryFromDatagram(encodeNotifyDatagram({message: ''}), 1).rejected).toBe('empty message');
  });
});

describe('NotifyListener', () => {
  it('commits every specimen, byte for byte and in order, with source notify_socket', async () => {
    const {listener, sender, catalog, progress} = start();
    await sendAll(sender, specimens.map((f) => encodeNotifyDatagram({message: specimen(f)})));
    await waitFor(() => listener.counters.committed === specimens.length, 'the specimens to be committed');
    const rows = notifications(catalog);
    expect(rows.map((r) => r.raw.toString())).toEqual(specimens.map(specimen));
    expect(new Set(rows.map((r) => r.source))).toEqual(new Set(['notify_socket']));
    expect(listener.counters).toMatchObject({received: specimens.length, queued: specimens.length, quarantined: 0, spilled: 0, lost: 0});
    expect(progress[0]).toMatchObject({type: 'listening', socket: listener.path, socketMode: '0660'});
  });

  it('loses none of 100 valid events in a flood of 1,000 bad datagrams, and quarantines each bad one whole', async () => {
    const {listener, sender, catalog} = start();
    const valid: Buffer[] = [];
    const bad: Buffer[] = [];
    const all: Buffer[] = [];
    for (let n = 0; n < 100; n++) {
      const good = encodeNotifyDatagram({message: event(n)});
      valid.push(good);
      all.push(good);
      for (const datagram of badDatagrams(n)) {
        bad.push(datagram);
        all.push(datagram);
      }
    }
    expect(new Set(bad.map((b) => b.toString('hex'))).size).toBe(1000);
    await sendAll(sender, all);
    await waitFor(() => listener.counters.committed === 1100, 'the flood to be committed');
    const counters = await listener.stop();
    expect(counters).toMatchObject({received: 1100, committed: 1100, queued: 100, quarantined: 1000, spilled: 0, lost: 0});
    expect(notifications(catalog).map((r) => r.raw.toString())).toEqual(Array.from({length: 100}, (_, n) => event(n)));
    const kept = quarantined(catalog);
    expect(kept).toHaveLength(1000);
    expect(new Set(kept.map((r) => r.raw.toString('hex')))).toEqual(new Set(bad.map((b) => b.toString('hex'))));
    expect(new Set(kept.map((r) => r.source))).toEqual(new Set(['notify_socket']));
    const reasons = kept.map((r) => r.error).join('\n');
    for (const reason of [/^truncated datagram/m, /^field class is not valid UTF-8/m, /^missing fields/m, /^nopt "x/m, /^message notification is not JSON/m, /^message not valid UTF-8/m, /class "SIEVE"/, /^message notification has no "event" member/m]) {
      expect(reasons).toMatch(reason);
    }
  });

  it('commits many datagrams in few transactions, and a lone one within the latency bound', async () => {
    const {listener, sender} = start();
    await sendAll(sender, Array.from({length: 2000}, (_, n) => encodeNotifyDatagram({message: event(n)})));
    await waitFor(() => listener.counters.committed === 2000, '2,000 datagrams to be committed');
    expect(listener.counters.batches).toBeGreaterThanOrEqual(4); // at most 500 per transaction
    expect(listener.counters.batches).toBeLessThanOrEqual(40);
    const before = listener.counters.batches;
    await sender.send(encodeNotifyDatagram({message: event(5000)}));
    await waitFor(() => listener.counters.committed === 2001, 'the lone datagram', 2000);
    expect(listener.counters.batches).toBe(before + 1);
  });

  it('closes a batch at batchMaxDatagrams', async () => {
    const {listener, sender} = start({batchMaxDatagrams: 10, batchMaxDelayMs: 60_000});
    await sendAll(sender, Array.from({length: 35}, (_, n) => encodeNotifyDatagram({message: event(n)})));
    await waitFor(() => listener.counters.received === 35 && listener.counters.committed === 30, 'three full batches');
    expect(listener.counters).toMatchObject({received: 35, batches: 3});
    listener.flush();
    expect(listener.counters).toMatchObject({committed: 35, batches: 4});
  });

  it('makes the socket writable by owner and group only, the group being mail (or --socket-group)', () => {
    const {socket} = start();
    const stat = statSync(socket);
    expect(stat.isSocket()).toBe(true);
    expect(stat.mode & 0o777).toBe(0o660);
    if (isRoot) expect(stat.gid).toBe(groupId('mail'));
    const other = start({socketGroup: String(process.getgid?.() ?? 0)});
    expect(statSync(other.socket).gid).toBe(process.getgid?.());
  });

  it('refuses an unknown --socket-group and leaves no socket behind', () => {
    const dir = tempDir();
    expect(() => start({socketGroup: 'no-such-group-bonnie'}, dir)).toThrow(expect.objectContaining({code: 'SocketGroupUnknown'}));
    expect(existsSync(join(dir, 'notify.sock'))).toBe(false);
  });

  it('refuses a socket another listener is alive on, and keeps that one working', async () => {
    const first = start();
    let refusal: unknown;
    try {
      start({}, first.dir);
    } catch (error) {
      refusal = error;
    }
    expect(refusal).toBeInstanceOf(BonnieError);
    expect(refusal).toMatchObject({code: 'SocketInUse', message: `another process is listening on ${first.socket}`});
    await first.sender.send(encodeNotifyDatagram({message: event(1)}));
    await waitFor(() => first.listener.counters.received === 1, 'the first listener to receive');
  });

  it('replaces a stale socket file nobody listens on, and refuses a path that is not a socket', async () => {
    const dir = tempDir();
    const path = join(dir, 'notify.sock');
    const dead = createUnixDgramSocket();
    dead.bind(path);
    dead.close(); // the file stays, nothing answers
    expect(statSync(path).isSocket()).toBe(true);
    const {listener, sender} = start({}, dir);
    await sender.send(encodeNotifyDatagram({message: event(1)}));
    await waitFor(() => listener.counters.received === 1, 'a datagram on the new socket');

    const other = tempDir();
    writeFileSync(join(other, 'notify.sock'), 'not a socket');
    expect(() => start({}, other)).toThrow(expect.objectContaining({code: 'SocketPathTaken'}));
    expect(readFileSync(join(other, 'notify.sock'), 'utf8')).toBe('not a socket');
  });

  it('refuses a socket path too long for sockaddr_un', () => {
    const dir = tempDir();
    expect(() => start({socket: join(dir, 'x'.repeat(120))}, dir)).toThrow(expect.objectContaining({code: 'SocketUnavailable'}));
  });

  it('on stop, reads what is still queued, commits everything received and removes the socket file', async () => {
    const {listener, sender, socket, catalog, progress} = start({batchMaxDelayMs: 60_000});
    await sendAll(sender, Array.from({length: 300}, (_, n) => encodeNotifyDatagram({message: event(n)})));
    // Some datagrams are still in the kernel's queue, the rest in the open batch.
    const counters = await listener.stop();
    expect(counters).toMatchObject({received: 300, committed: 300, queued: 300, spilled: 0});
    expect(notifications(catalog)).toHaveLength(300);
    expect(existsSync(socket)).toBe(false);
    expect(progress.at(-1)).toMatchObject({type: 'stopped', received: 300, committed: 300});
    expect(readFileSync(join(socket, '..', 'dealer.log'), 'utf8')).toMatch(/stopped: received 300; committed 300/);
    expect(await listener.stop()).toEqual(counters);
  });

  it('spills a batch the locked catalog cannot take, keeps running, and the drain queues it exactly once', async () => {
    const {listener, sender, catalog, spill, log, progress} = start({busyTimeoutMs: 100, catalogRetryMs: 0});
    const locker = openCatalog(catalog);
    locker.db.exec('BEGIN EXCLUSIVE');
    await sendAll(sender, Array.from({length: 5}, (_, n) => encodeNotifyDatagram({message: event(n)})));
    await waitFor(() => listener.counters.received === 5, 'five datagrams');
    listener.flush(); // waits 100 ms for the lock, then spills
    expect(listener.counters).toMatchObject({committed: 0, spilled: 5, lost: 0});
    expect(listSpill(spill)).toHaveLength(5);
    expect(listSpill(spill).every((name) => name.endsWith('.notify_socket.spill'))).toBe(true);
    expect(readFileSync(log, 'utf8')).toMatch(/catalog unavailable \(.*locked.*\); spilling notifications to/);
    expect(progress.map((p) => p.type)).toContain('catalog-unavailable');

    locker.db.exec('COMMIT');
    locker.close();
    await sender.send(encodeNotifyDatagram({message: event(99)}));
    await waitFor(() => listener.counters.committed === 1, 'a commit once the lock is gone');
    expect(progress.map((p) => p.type)).toContain('catalog-available');
    await listener.stop();

    withCatalog(catalog, (c) => {
      const ingester = new Ingester(c.db);
      expect(drainSpill(c.db, ingester, spill)).toMatchObject({files: 5, queued: 5, duplicates: 0, quarantined: 0});
      expect(drainSpill(c.db, ingester, spill)).toMatchObject({files: 0, queued: 0});
    });
    const rows = notifications(catalog);
    expect(rows).toHaveLength(6);
    expect(new Set(rows.map((r) => r.source))).toEqual(new Set(['notify_socket']));
    expect(rows.map((r) => r.raw.toString()).sort()).toEqual([...Array.from({length: 5}, (_, n) => event(n)), event(99)].sort());
  });

  it('starts without a catalog, spills, and commits once the catalog exists', async () => {
    const dir = tempDir();
    const catalog = join(dir, 'later', 'catalog.db');
    const {listener, sender, spill} = start({catalog, catalogRetryMs: 0}, dir);
    await sender.send(encodeNotifyDatagram({message: event(1)}));
    await waitFor(() => listener.counters.spilled === 1, 'the spill');
    openCatalog(catalog, {create: true}).close();
    await sender.send(encodeNotifyDatagram({message: event(2)}));
    await waitFor(() => listener.counters.committed === 1, 'the commit');
    expect(listSpill(spill)).toHaveLength(1);
  });
});
