/**
 * `bonnie maillog` as an administrator runs it (the built CLI): killed with SIGKILL in the middle of a
 * large log and run again, it stores the same transport record as a run that was never interrupted, each
 * line exactly once; and a second run reads nothing again.
 */
import {spawn} from 'node:child_process';
import {utimesSync, writeFileSync} from 'node:fs';
import {join} from 'node:path';
import {describe, expect, it} from 'vitest';
import {queryCatalog} from '../../../helpers/catalog.js';
import {BIN_RUN} from '../../../helpers/paths.js';
import {bonnie} from '../../../helpers/run.js';
import {useTempDirs} from '../../../helpers/tmp.js';

const tempDir = useTempDirs();
const env = {BONNIE_CONFIG: '/dev/null'};

/** A Postfix log of `messages` messages relayed to a hub, each with unique queue IDs (7 lines each). */
function writeLog(path: string, messages: number): void {
  const lines: string[] = [];
  const id = (n: number, hop: number) => `${hop === 0 ? 'A' : 'B'}${n.toString(16).toUpperCase().padStart(9, '0')}`;
  for (let n = 0; n < messages; n++) {
    const t = new Date(Date.UTC(2026, 10, 1) + n * 500);
    const pad = (v: number) => String(v).padStart(2, '0');
    const stamp = `Nov ${String(t.getUTCDate()).padStart(2, ' ')} ${pad(t.getUTCHours())}:${pad(t.getUTCMinutes())}:${pad(t.getUTCSeconds())}`;
    const [a, b] = [id(n, 0), id(n, 1)];
    lines.push(
      `${stamp} mx postfix/smtpd[1]: ${a}: client=c${n % 97}.example.org[192.0.2.${n % 250}]`,
      `${stamp} mx postfix/cleanup[2]: ${a}: message-id=<m${n}@example.org>`,
      `${stamp} mx postfix/qmgr[3]: ${a}: from=<s${n % 13}@example.org>, size=${1000 + n}, nrcpt=1 (queue active)`,
      `${stamp} mx postfix/smtp[4]: ${a}: to=<u${n % 31}@lab.test>, relay=hub[192.0.2.254]:25, delay=0.1, delays=0/0/0/0.1, dsn=2.0.0, status=sent (250 2.0.0 Ok: queued as ${b})`,
      `${stamp} mx postfix/qmgr[3]: ${a}: removed`,
      `${stamp} hub postfix/smtpd[5]: ${b}: client=mx[192.0.2.1]`,
      `${stamp} hub postfix/lmtp[6]: ${b}: to=<u${n % 31}@lab.test>, relay=imap[192.0.2.3]:24, delay=0.1, delays=0/0/0/0.1, dsn=2.1.5, status=sent (250 2.1.5 Ok SESSIONID=<s-${n}>)`,
    );
  }
  writeFileSync(path, `${lines.join('\n')}\n`);
}

/** The transport record, canonical: every entry and delivery by host and queue ID. */
function dump(catalog: string): string {
  const entries = queryCatalog<Record<string, unknown>>(
    catalog,
    `SELECT host, queue_id, origin, client, sender, size, nrcpt, message_id, first_at, last_at, removed_at,
            (SELECT group_concat(recipient || ' ' || status || ' ' || coalesce(next_queue_id, '') || ' ' || coalesce(session_id, ''), ';')
             FROM mta_delivery d WHERE d.mta_message_id = m.id) AS deliveries
     FROM mta_message m ORDER BY host, queue_id, first_at`,
  );
  return entries.map((e) => JSON.stringify(e)).join('\n');
}

async function init(catalog: string): Promise<void> {
  const ran = await bonnie(['init', '--catalog', catalog], {env});
  expect(ran.code, ran.stderr).toBe(0);
}

describe('bonnie maillog (the built CLI)', () => {
  it('killed with SIGKILL mid-way and run again, stores what an uninterrupted run stores, each line once', async () => {
    const dir = tempDir();
    const log = join(dir, 'mail.log');
    writeLog(log, 40_000); // 280,000 lines: a few seconds of work, several commits
    const whole = join(dir, 'whole.db');
    const killed = join(dir, 'killed.db');
    await init(whole);
    await init(killed);

    const uninterrupted = await bonnie(['maillog', log, '--json', '--catalog', whole], {env});
    expect(uninterrupted.code, uninterrupted.stderr).toBe(0);
    expect(JSON.parse(uninterrupted.stdout)).toMatchObject({lines: 280_000, unknown: 0, stored: {entries: 80_000, deliveries: 80_000}});

    // Killed once its first commit is in (the file's position advanced), before it finishes.
    const child = spawn(process.execPath, [BIN_RUN, 'maillog', log, '--quiet', '--catalog', killed], {env: {...process.env, ...env}, stdio: 'ignore'});
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    let position = 0;
    const deadline = Date.now() + 60_000;
    while (position === 0 && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 20));
      position = queryCatalog<{position: number}>(killed, 'SELECT coalesce(max(position), 0) AS position FROM maillog_file')[0]?.position ?? 0;
    }
    child.kill('SIGKILL');
    expect(await exited).toBeNull(); // killed, not finished
    const partial = queryCatalog<{n: number}>(killed, 'SELECT count(*) AS n FROM mta_message')[0]?.n ?? 0;
    expect(partial).toBeGreaterThan(0);
    expect(partial).toBeLessThan(80_000);
    const committed = queryCatalog<{position: number}>(killed, 'SELECT position FROM maillog_file')[0]?.position;

    const resumed = await bonnie(['maillog', log, '--json', '--catalog', killed], {env});
    expect(resumed.code, resumed.stderr).toBe(0);
    // It went on from the last commit, not from the start.
    const [file] = (JSON.parse(resumed.stdout) as {files: Array<{from: number; lines: number}>}).files;
    expect(file?.from).toBe(committed);
    expect(file?.lines).toBeLessThan(280_000);
    expect(dump(killed)).toBe(dump(whole));

    const again = await bonnie(['maillog', log, '--json', '--catalog', killed], {env});
    expect(JSON.parse(again.stdout)).toMatchObject({lines: 0, stored: {entries: 0, deliveries: 0}});
  }, 180_000);

  it('reads times without a zone in the zone given with --timezone, and refuses a zone that does not exist', async () => {
    const dir = tempDir();
    const log = join(dir, 'mail.log');
    writeFileSync(log, 'Dec  7 10:00:00 mx postfix/smtpd[1]: 1A2B3C4D5E: client=a.example[192.0.2.1]\nDec  7 10:00:00 mx postfix/cleanup[2]: 1A2B3C4D5E: message-id=<tz@example.org>\n');
    utimesSync(log, new Date('2026-12-08T00:00:00Z'), new Date('2026-12-08T00:00:00Z'));
    const catalog = join(dir, 'catalog.db');
    await init(catalog);
    const read = await bonnie(['maillog', log, '--timezone', 'America/New_York', '--json', '--catalog', catalog], {env: {...env, TZ: 'UTC'}});
    expect(read.code, read.stderr).toBe(0);
    const traced = await bonnie(['trace', '<tz@example.org>', '--json', '--catalog', catalog], {env});
    expect(JSON.parse(traced.stdout).traces[0].hops[0].receivedAt).toBe('2026-12-07T15:00:00.000Z');

    const bad = await bonnie(['maillog', log, '--timezone', 'Nowhere/Atlantis', '--json', '--catalog', catalog], {env});
    expect(bad.code).toBe(2);
    expect(JSON.parse(bad.stdout)).toMatchObject({error: {code: 'UsageInvalid', hint: expect.stringContaining('Europe/Berlin')}});
  });
});
