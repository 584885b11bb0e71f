/**
 * Live interception against the lab's Cyrus (issue 16): a warrant on alice with HI2 and HI3 pointing at a
 * receiver on loopback; `bonnie intercept serve` (the built CLI, as the service runs it) follows the
 * catalog the dealer writes. Alice logs in, receives by LMTP, appends to Sent, reads, logs out: the receiver
 * gets IRI and CC PS-PDUs that `openssl asn1parse -inform DER` reads, whose decoded LIID, event types and
 * sequence numbers (0.., in order) are right, and whose CC holds the messages. Bob's activity gives
 * nothing. The receiver down, alice busy, the receiver up again: everything arrives in sequence, once. The
 * warrant ended: nothing more.
 */
import {spawn, spawnSync, type ChildProcessWithoutNullStreams} from 'node:child_process';
import {mkdtempSync, rmSync, writeFileSync} from 'node:fs';
import {createServer, type Server, type Socket} from 'node:net';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {createInterface} from 'node:readline';
import * as asn1js from 'asn1js';
import {afterAll, beforeAll, describe, expect, inject, it} from 'vitest';
import {decodePsPdu, type DecodedPsPdu} from '../../src/lib/pipeline/intercept/handover/records.js';
import {HandoverQueue} from '../../src/lib/pipeline/intercept/queue.js';
import {openInterceptStore} from '../../src/lib/pipeline/intercept/store-file.js';
import {labBonnieEnv} from '../harness/bonnie-env.js';
import {lastEventId, waitForEvents, type CapturedEvent} from '../harness/events.js';
import {imapClient} from '../harness/imap.js';
import {lmtpDeliver, testMessage} from '../harness/lmtp.js';
import {BIN_RUN} from '../helpers/paths.js';
import {bonnie} from '../helpers/run.js';

const lab = inject('lab');
const stamp = Date.now();
const LIID = `LIVE${stamp % 1_000_000}`;
/** Bounds each wait: a guard against a hang, never a measure of speed. */
const GUARD_MS = 60_000;
let dir: string;
let env: NodeJS.ProcessEnv;
let serve: ChildProcessWithoutNullStreams | undefined;
const lines: Array<{type: string; [key: string]: unknown}> = [];
let stderr = '';

/** A receiver (an agency's LEMF) on loopback: the bytes of every connection, split into PDUs. */
class Receiver {
  private server: Server | undefined;
  private readonly sockets: Socket[] = [];
  readonly streams: Buffer[] = [];
  port = 0;

  async listen(port = 0): Promise<void> {
    const server = createServer((socket) => {
      const index = this.streams.push(Buffer.alloc(0)) - 1;
      this.sockets.push(socket);
      socket.on('data', (d: Buffer) => (this.streams[index] = Buffer.concat([this.streams[index] as Buffer, d])));
      socket.on('error', () => undefined);
    });
    await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
    this.server = server;
    this.port = (server.address() as {port: number}).port;
  }

  /** Down: the listener and every connection closed. */
  async stop(): Promise<void> {
    for (const s of this.sockets.splice(0)) s.end();
    await new Promise((resolve) => this.server?.close(resolve));
  }

  /** Every PDU received, in order, keep-alives left out; each as bytes and decoded. */
  pdus(): Array<{bytes: Uint8Array; decoded: DecodedPsPdu}> {
    const out: Array<{bytes: Uint8Array; decoded: DecodedPsPdu}> = [];
    for (const stream of this.streams) {
      for (let offset = 0; offset < stream.length; ) {
        const view = new Uint8Array(stream.buffer, stream.byteOffset + offset, stream.length - offset);
        const parsed = asn1js.fromBER(view);
        // A PDU cut by the end of what has arrived so far: read again later.
        if (parsed.offset === -1 || parsed.result.error !== '') break;
        const bytes = view.slice(0, parsed.offset);
        offset += parsed.offset;
        const decoded = decodePsPdu(bytes);
        if (decoded.record !== 'keepAlive') out.push({bytes, decoded});
      }
    }
    return out;
  }
}

const hi2 = new Receiver();
const hi3 = new Receiver();

async function until(what: string, check: () => boolean | Promise<boolean>): Promise<void> {
  for (const deadline = Date.now() + GUARD_MS; !(await check()); ) {
    if (Date.now() > deadline) throw new Error(`no ${what} after ${GUARD_MS} ms; serve lines: ${JSON.stringify(lines)}; stderr: ${stderr}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Where serve is in the catalog, and what it queued (the interception store, read-only, as root). */
function served(): {cursor: number; iri: number; cc: number} {
  const store = openInterceptStore(env.BONNIE_INTERCEPT_DB as string, {readOnly: true});
  try {
    const queue = new HandoverQueue(store.db);
    const id = store.db.prepare<[string], {id: number}>('SELECT id FROM intercept WHERE liid = ?').get(LIID)?.id as number;
    return {cursor: queue.cursor() ?? 0, iri: queue.counts(id, 2).queued, cc: queue.counts(id, 3).queued};
  } finally {
    store.close();
  }
}

const eventTypes = (r: Receiver) => r.pdus().map((p) => (p.decoded.record as {eventType?: number}).eventType);
const sequence = (r: Receiver) => r.pdus().map((p) => p.decoded.header.sequenceNumber);
const range = (n: number) => Array.from({length: n}, (_, i) => i);

async function run(args: string[]): Promise<unknown> {
  const ran = await bonnie([...args, '--json'], {env});
  expect(ran.code, `${args.join(' ')}: ${ran.stderr}`).toBe(0);
  return JSON.parse(ran.stdout);
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'bonnie-intercept-live-'));
  env = {...labBonnieEnv(lab, dir), BONNIE_INTERCEPT_DB: join(dir, 'intercept', 'intercept.db')};
  await hi2.listen();
  await hi3.listen();
  // alice's Sent folder (the lab's users start with an INBOX only); made before the warrant starts.
  const after = lastEventId(lab);
  const alice = await imapClient(lab, 'alice');
  if (!(await alice.list()).some((f) => f.path === 'INBOX.Sent')) await alice.mailboxCreate('INBOX.Sent');
  await alice.logout();
  // Cyrus stamps the Logout after it answered: wait for it, or it could fall inside the warrant's period.
  await waitForEvents(lab, (es) => es.some((e) => e.type === 'Logout' && e.event.user === 'alice'), {after});
});

afterAll(async () => {
  serve?.kill('SIGKILL');
  await hi2.stop();
  await hi3.stop();
  rmSync(dir, {recursive: true, force: true});
});

describe('bonnie intercept serve on a live Cyrus', () => {
  it("hands alice's events and messages over as PS-PDUs, bob's not; survives the agency going down; stops at the warrant's end", async () => {
    await run(['intercept', 'add', '--liid', LIID, '--agency', 'LAB', '--target', 'alice', '--start', new Date().toISOString(), '--end', new Date(Date.now() + 3_600_000).toISOString(),
      '--hi2', `tcp://127.0.0.1:${hi2.port}`, '--hi3', `tcp://127.0.0.1:${hi3.port}`, '--auth-country', 'DE', '--delivery-country', 'DE']);
    serve = spawn(process.execPath, [BIN_RUN, 'intercept', 'serve', '--json', '--keepalive-freq', '2', '--keepalive-wait', '0'], {env: {...process.env, ...env}});
    createInterface({input: serve.stdout}).on('line', (text) => lines.push(JSON.parse(text) as {type: string}));
    serve.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const exited = new Promise<number | null>((resolve) => serve?.on('close', resolve));
    await until('connections', () => lines.filter((l) => l.type === 'handover' && l.state === 'connected').length === 2);

    // 1. alice: logon, receive, send, download, logoff; bob: logon, receive, logoff.
    let after = lastEventId(lab);
    const inbound = testMessage({from: 'agent@example.com', to: 'alice@lab.test', subject: 'meeting', messageId: `li-in-${stamp}@example.com`, body: 'See you at noon.'});
    const outbound = testMessage({from: 'alice@lab.test', to: 'agent@example.com', subject: 'Re: meeting', messageId: `li-out-${stamp}@lab.test`, body: 'Noon it is.'});
    const alice = await imapClient(lab, 'alice');
    expect((await lmtpDeliver(lab, {from: 'agent@example.com', to: ['alice'], message: inbound})).map((r) => r.code)).toEqual([250]);
    await alice.append('INBOX.Sent', outbound);
    const lock = await alice.getMailboxLock('INBOX');
    try {
      // Marked read (STORE +FLAGS \Seen): Cyrus sends MessageRead, as for a FETCH of the body.
      const uids = await alice.search({header: {'message-id': `li-in-${stamp}@example.com`}}, {uid: true});
      expect(uids).toHaveLength(1);
      await alice.messageFlagsAdd(uids as number[], ['\\Seen'], {uid: true});
    } finally {
      lock.release();
    }
    await alice.logout();
    const bob = await imapClient(lab, 'bob');
    expect((await lmtpDeliver(lab, {from: 'agent@example.com', to: ['bob'], message: testMessage({from: 'agent@example.com', to: 'bob@lab.test', subject: 'x', messageId: `li-bob-${stamp}@example.com`})})).map((r) => r.code)).toEqual([250]);
    await bob.logout();
    const logoutOf = (user: string) => (es: CapturedEvent[]) => es.some((e) => e.type === 'Logout' && e.event.user === user);
    let events = await waitForEvents(lab, (es) => logoutOf('alice')(es) && logoutOf('bob')(es), {after});
    const last = events.at(-1)?.id as number;
    await until('the events mapped', () => served().cursor >= last);
    const queued = served();
    await until('every PDU', () => hi2.pdus().length === queued.iri && hi3.pdus().length === queued.cc);

    // IRI: logon (5), receive (2), send (1), download (3), logoff (7), in that order, numbered 0..
    expect(eventTypes(hi2)).toEqual([5, 2, 1, 3, 7]);
    expect(sequence(hi2)).toEqual(range(5));
    // CC: the delivered message (toTarget) and the one sent, with their bytes.
    expect(sequence(hi3)).toEqual(range(2));
    const cc = hi3.pdus().map((p) => p.decoded.record as {direction: string; content: Uint8Array});
    expect(cc.map((r) => r.direction)).toEqual(['toTarget', 'fromTarget']);
    expect(Buffer.from(cc[0]?.content ?? []).toString()).toContain(`<li-in-${stamp}@example.com>`);
    expect(Buffer.from(cc[1]?.content ?? []).toString()).toContain(`<li-out-${stamp}@lab.test>`);
    for (const p of [...hi2.pdus(), ...hi3.pdus()]) {
      expect(p.decoded.header.liid).toBe(LIID);
      const file = join(dir, 'pdu.ber');
      writeFileSync(file, p.bytes);
      const parsed = spawnSync('openssl', ['asn1parse', '-inform', 'DER', '-in', file], {encoding: 'utf8'});
      expect(parsed.status, parsed.stderr).toBe(0);
    }
    // Nothing of bob's: every IRI is alice's events (five), no third CC.
    expect(JSON.stringify(hi2.pdus().map((p) => p.decoded.record))).not.toContain('bob');

    // 2. The agency down while alice receives mail and logs in and out; then up: the rest, in sequence, once.
    await hi2.stop();
    await hi3.stop();
    await until('both disconnections', () => lines.filter((l) => l.type === 'handover' && l.state === 'disconnected').length >= 2);
    after = lastEventId(lab);
    expect((await lmtpDeliver(lab, {from: 'agent@example.com', to: ['alice'], message: testMessage({from: 'agent@example.com', to: 'alice@lab.test', subject: 'later', messageId: `li-later-${stamp}@example.com`})})).map((r) => r.code)).toEqual([250]);
    await (await imapClient(lab, 'alice')).logout();
    events = await waitForEvents(lab, logoutOf('alice'), {after});
    await until('the events mapped while the agency is down', () => served().cursor >= (events.at(-1)?.id as number));
    const down = served();
    expect(down).toMatchObject({iri: 8, cc: 3});
    // What the administrator sees meanwhile: PDUs waiting, since when.
    const handover = async () => ((await run(['intercept', 'list'])) as {intercepts: Array<{liid: string; handover: Record<'hi2' | 'hi3', {queued: number; delivered: number; waiting: number; waitingSince: number | null}>}>}).intercepts.find((i) => i.liid === LIID)?.handover;
    const waiting = await handover();
    expect(waiting?.hi2).toMatchObject({queued: 8, delivered: 5, waiting: 3});
    expect(waiting?.hi3).toMatchObject({queued: 3, delivered: 2, waiting: 1});
    expect(waiting?.hi2.waitingSince).toBeGreaterThan(0);
    await hi2.listen(hi2.port);
    await hi3.listen(hi3.port);
    await until('the queue delivered', () => hi2.pdus().length === 8 && hi3.pdus().length === 3);
    expect(sequence(hi2)).toEqual(range(8));
    expect(eventTypes(hi2)).toEqual([5, 2, 1, 3, 7, 2, 5, 7]);
    expect(sequence(hi3)).toEqual(range(3));
    await until('the deliveries marked', async () => {
      const now = await handover();
      return now?.hi2.waiting === 0 && now.hi3.waiting === 0;
    });
    expect(await handover()).toMatchObject({hi2: {queued: 8, delivered: 8, waiting: 0, waitingSince: null}, hi3: {queued: 3, delivered: 3, waiting: 0}});

    // 3. The warrant ended: alice's next session gives nothing.
    await run(['intercept', 'end', LIID, '--reason', 'live test over']);
    after = lastEventId(lab);
    await (await imapClient(lab, 'alice')).logout();
    events = await waitForEvents(lab, logoutOf('alice'), {after});
    await until('the events mapped after the end', () => served().cursor >= (events.at(-1)?.id as number));
    expect(served()).toMatchObject({iri: 8, cc: 3});
    expect(hi2.pdus().length).toBe(8);

    serve.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(lines.at(-1)).toMatchObject({type: 'stopped'});
    expect(lines.filter((l) => l.type === 'error')).toEqual([]);
    // Serve's own output never names a target.
    expect(JSON.stringify(lines)).not.toMatch(/alice|bob/);
  });
});
