/**
 * Issue 16, item 3: `bonnie intercept serve` (the built CLI, as root: CI runs as root) killed with SIGKILL
 * while it hands over, then started again: every PS-PDU is delivered once, numbered without a gap. Folder
 * delivery, so that what was delivered is exactly what is on disk. The catalog holds real-shaped Cyrus
 * notifications (alice's and bob's); the spool holds alice's messages for the CC records.
 */
import {spawn, type ChildProcessWithoutNullStreams} from 'node:child_process';
import {existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync} from 'node:fs';
import {join} from 'node:path';
import {afterEach, describe, expect, it} from 'vitest';
import {openCatalog} from '../../src/lib/base/catalog/catalog.js';
import {decodePsPdu} from '../../src/lib/pipeline/intercept/handover/records.js';
import {Ingester} from '../../src/lib/pipeline/queue/ingest.js';
import {BIN_RUN} from '../helpers/paths.js';
import {bonnie} from '../helpers/run.js';
import {useTempDirs} from '../helpers/tmp.js';

const tempDir = useTempDirs();
const isRoot = process.geteuid?.() === 0;
const children: ChildProcessWithoutNullStreams[] = [];
afterEach(() => {
  for (const child of children.splice(0)) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
});

const MAILBOX_ID = 'k8fmp3wz0qcv4nbx7yhd2rte';
const SESSIONS = 150;

/** alice's session s: Login, an LMTP delivery of UID s+1 to her INBOX, Logout; bob's Login in between. */
function notifications(start: number): Buffer[] {
  const out: Buffer[] = [];
  const at = (i: number) => new Date(start + i * 10).toISOString();
  let i = 0;
  for (let s = 0; s < SESSIONS; s++) {
    const session = `lab-${s}`;
    out.push(Buffer.from(JSON.stringify({event: 'Login', timestamp: at(i++), service: 'imap', user: 'alice', clientIP: '192.0.2.7', clientPort: 50_000 + s, serverDomain: '192.0.2.1', serverPort: 143, 'vnd.cmu.sessionId': session})));
    out.push(Buffer.from(JSON.stringify({event: 'Login', timestamp: at(i++), service: 'imap', user: 'bob', clientIP: '192.0.2.8', clientPort: 40_000 + s, 'vnd.cmu.sessionId': `bob-${s}`})));
    out.push(Buffer.from(JSON.stringify({
      event: 'MessageNew', timestamp: at(i++), service: 'lmtp', uri: `imap://imap.lab.test/user.alice;UIDVALIDITY=1795348437/;UID=${s + 1}`, mailboxID: MAILBOX_ID, uidset: String(s + 1),
      'vnd.cmu.envelope': `(NIL "m${s}" (("Agent" NIL "agent" "example.com")) NIL NIL (("Alice" NIL "alice" "lab.test")) NIL NIL NIL "<m${s}@example.com>")`, 'vnd.cmu.sessionId': `lmtp-${s}`,
    })));
    out.push(Buffer.from(JSON.stringify({event: 'Logout', timestamp: at(i++), service: 'imap', user: 'alice', 'vnd.cmu.sessionId': session})));
  }
  return out;
}

const listFiles = (folder: string): string[] => {
  try {
    return readdirSync(folder).filter((n) => n.endsWith('.ber')).sort();
  } catch {
    return [];
  }
};

describe.runIf(isRoot)('bonnie intercept serve, killed and started again', () => {
  it('delivers every PDU once, numbered without a gap, across a SIGKILL', async () => {
    const home = tempDir();
    const spool = join(home, 'spool');
    const out = join(home, 'handover');
    const env = {BONNIE_CONFIG: '/dev/null', BONNIE_CATALOG: join(home, 'catalog.db'), BONNIE_SPOOL: spool, BONNIE_INTERCEPT_DB: join(home, 'intercept', 'intercept.db')};
    const folder = join(spool, 'uuid', MAILBOX_ID[0] as string, MAILBOX_ID[1] as string, MAILBOX_ID);
    mkdirSync(folder, {recursive: true});
    writeFileSync(join(folder, 'cyrus.header'), '');
    for (let s = 0; s < SESSIONS; s++) writeFileSync(join(folder, `${s + 1}.`), `Message-ID: <m${s}@example.com>\r\nSubject: m${s}\r\n\r\nbody ${s}\r\n`);
    expect((await bonnie(['init', '--catalog', env.BONNIE_CATALOG], {env})).code).toBe(0);
    const start = Date.now() - 60_000;
    const added = await bonnie(['intercept', 'add', '--liid', 'KILL-1', '--agency', 'LAB', '--target', 'alice', '--start', new Date(start).toISOString(), '--end', new Date(start + 86_400_000).toISOString(), '--folder', out, '--auth-country', 'DE', '--delivery-country', 'DE'], {env});
    expect(added.code, added.stderr).toBe(0);
    const catalog = openCatalog(env.BONNIE_CATALOG);
    try {
      new Ingester(catalog.db).ingest(notifications(start + 1000).map((raw, i) => ({raw, receivedAt: start + 1000 + i * 10, source: 'stdin' as const})));
    } finally {
      catalog.close();
    }

    const serve = () => {
      const child = spawn(process.execPath, [BIN_RUN, 'intercept', 'serve', '--json'], {env: {...process.env, ...env}});
      children.push(child);
      let stdout = '';
      child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
      return {child, stdout: () => stdout, exited: new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)))};
    };
    // IRI: logon, receive, logoff per session; CC: the message.
    const expected = 4 * SESSIONS;
    const first = serve();
    await expect.poll(() => listFiles(out).length, {timeout: 30_000, interval: 5}).toBeGreaterThan(0);
    first.child.kill('SIGKILL');
    await first.exited;
    const before = listFiles(out).length;

    const second = serve();
    await expect.poll(() => listFiles(out).length, {timeout: 60_000}).toBe(expected);
    // Cyrus first: caught up, serve's main thread runs at niceness 10 (--nice's default); it ran at 0 while
    // these events, a minute old, were behind.
    await expect.poll(() => niceOf(second.child.pid as number), {timeout: 10_000}).toBe(10);
    second.child.kill('SIGTERM');
    expect(await second.exited).toBe(0);
    const stopped = second.stdout().trim().split('\n').map((l) => JSON.parse(l) as {type: string; delivered?: number}).at(-1);
    expect(stopped?.type).toBe('stopped');
    console.error(`intercept serve: ${before} of ${expected} files before SIGKILL, ${stopped?.delivered} by the second run`);

    const files = listFiles(out);
    const iri = files.filter((n) => n.includes('-IRI-'));
    const cc = files.filter((n) => n.includes('-CC-'));
    expect(iri).toEqual(Array.from({length: 3 * SESSIONS}, (_, i) => `KILL-1-IRI-${String(i).padStart(12, '0')}.ber`));
    expect(cc).toEqual(Array.from({length: SESSIONS}, (_, i) => `KILL-1-CC-${String(i).padStart(12, '0')}.ber`));
    // Each file holds its own PDU: its number inside, alice's events in order, the message of its session.
    const types = iri.map((n) => {
      const pdu = decodePsPdu(readFileSync(join(out, n)));
      expect(pdu.header.sequenceNumber).toBe(Number(n.slice(-16, -4)));
      return (pdu.record as {eventType: number}).eventType;
    });
    expect(types).toEqual(Array.from({length: SESSIONS}, () => [5, 2, 7]).flat());
    // Nothing of the warrant reached the catalog (serve opens it read-only).
    for (const file of [env.BONNIE_CATALOG, `${env.BONNIE_CATALOG}-wal`]) {
      if (existsSync(file)) expect(readFileSync(file).includes('KILL-1'), file).toBe(false);
    }
    cc.forEach((n, s) => {
      const pdu = decodePsPdu(readFileSync(join(out, n)));
      expect(Buffer.from((pdu.record as {content: Uint8Array}).content).toString()).toContain(`<m${s}@example.com>`);
    });
  });
});

/** The niceness of a process' main thread (/proc/PID/stat field 19, after the command name's parenthesis). */
function niceOf(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[16]);
}
