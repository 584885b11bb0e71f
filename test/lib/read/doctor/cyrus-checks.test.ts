/** Cyrus' settings as bonnie doctor judges them, on copies of the lab's working imapd.conf and cyrus.conf. */
import {chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync} from 'node:fs';
import {createServer, type Server} from 'node:net';
import {join} from 'node:path';
import {afterEach, describe, expect, it} from 'vitest';
import {parseCyrusServices, parseImapdConf} from '../../../../src/lib/read/doctor/cyrus-conf.js';
import {checkCyrus, type CyrusCheckOptions} from '../../../../src/lib/read/doctor/cyrus-checks.js';
import type {CheckResult} from '../../../../src/lib/read/doctor/check.js';
import {useTempDirs} from '../../../helpers/tmp.js';

const tempDir = useTempDirs();
const TEMPLATES = existsSync(new URL('../../../../../shared/cyrus/config/imapd.conf', import.meta.url)) ? new URL('../../../../../shared/cyrus/config/', import.meta.url) : new URL('../../../harness/cyrus/', import.meta.url);
const servers: Server[] = [];
afterEach(() => {
  for (const server of servers.splice(0)) server.close();
});

interface Fixture {
  dir: string;
  imapdConf: string;
  cyrusConf: string;
  socket: string;
  dealer: string;
}

/** The lab's config in a temporary folder, notify_external naming an executable bonnie-dealer there. */
function fixture(edit: {imapd?: (text: string) => string; cyrus?: (text: string) => string} = {}): Fixture {
  const dir = tempDir();
  const read = (name: string) => readFileSync(new URL(name, TEMPLATES), 'utf8').replaceAll('@LAB@', dir);
  const dealer = join(dir, 'bonnie-dealer');
  writeFileSync(dealer, '#!/bin/sh\n', {mode: 0o755});
  const imapd = read('imapd.conf').replace(/^notify_external:.*$/m, `notify_external: ${dealer}`);
  const imapdConf = join(dir, 'imapd.conf');
  const cyrusConf = join(dir, 'cyrus.conf');
  writeFileSync(imapdConf, (edit.imapd ?? ((t) => t))(imapd));
  writeFileSync(cyrusConf, (edit.cyrus ?? ((t) => t))(read('cyrus.conf')));
  return {dir, imapdConf, cyrusConf, socket: join(dir, 'run', 'socket', 'notify'), dealer};
}

/** A socket file at `path` (a stream socket: doctor checks the file, it sends nothing). */
async function socketAt(path: string): Promise<void> {
  mkdirSync(join(path, '..'), {recursive: true});
  const server = createServer();
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(path, resolve));
}

function run(f: Fixture, options: Partial<CyrusCheckOptions> = {}): Record<string, CheckResult> {
  const qlen = join(f.dir, 'max_dgram_qlen');
  if (!existsSync(qlen)) writeFileSync(qlen, '10\n');
  const results = checkCyrus({imapdConf: f.imapdConf, cyrusConf: f.cyrusConf, cyrus: {uid: process.getuid?.(), gid: process.getgid?.()}, dgramQlenFile: qlen, ...options});
  return Object.fromEntries(results.map((r) => [r.id, r]));
}

const levels = (results: Record<string, CheckResult>) => Object.fromEntries(Object.entries(results).map(([id, r]) => [id, r.level]));

describe('Cyrus checks', () => {
  it('finds the lab\'s working settings right, with notifyd running the dealer', async () => {
    const f = fixture();
    await socketAt(f.socket);
    expect(levels(run(f))).toEqual({
      'cyrus.imapd-conf': 'ok',
      'cyrus.event-notifier': 'ok',
      'cyrus.event-groups': 'ok',
      'cyrus.event-extra-params': 'ok',
      'cyrus.event-exclude-specialuse': 'ok',
      'cyrus.notify-service': 'ok',
      'cyrus.notify-external': 'ok',
      'cyrus.notify-socket': 'ok',
      'system.max-dgram-qlen': 'ok',
    });
  });

  it('names the missing event groups and gives the whole line to write', () => {
    const checks = run(fixture({imapd: (t) => t.replace(/^event_groups:.*$/m, 'event_groups: message flags')}));
    expect(checks['cyrus.event-groups']).toMatchObject({level: 'error', found: expect.stringContaining('access, mailbox, subscription') as string, fix: 'Write in imapd.conf: event_groups: message flags access mailbox subscription (then restart Cyrus).'});
  });

  it('warns about quota in event_groups (it crashes Cyrus 3.6.1) and refuses messageContent with a non-standard inclusion mode', () => {
    const checks = run(fixture({
      imapd: (t) => t.replace(/^event_groups:.*$/m, 'event_groups: message quota flags access mailbox subscription').replace(/^event_content_inclusion_mode:.*$/m, 'event_content_inclusion_mode: message').replace(/^event_extra_params: /m, 'event_extra_params: messageContent '),
    }));
    expect(checks['cyrus.event-groups']?.level).toBe('warning');
    expect(checks['cyrus.event-groups']?.found).toMatch(/quota/);
    expect(checks['cyrus.event-extra-params']).toMatchObject({level: 'error', fix: expect.stringMatching(/Remove messageContent/) as string});
  });

  it('says Cyrus sends nothing without event_notifier, and that events for \\Junk are dropped by default', () => {
    const checks = run(fixture({imapd: (t) => t.replace(/^event_notifier:.*\n/m, '').replace(/^event_exclude_specialuse:.*\n/m, '')}));
    expect(checks['cyrus.event-notifier']).toMatchObject({level: 'error', fix: 'Add to imapd.conf: event_notifier: external (then restart Cyrus).'});
    expect(checks['cyrus.event-exclude-specialuse']).toMatchObject({level: 'warning', fix: 'Write in imapd.conf: event_exclude_specialuse: none'});
  });

  it('refuses a notify_external that is not executable, and warns about one that is not bonnie-dealer', () => {
    const f = fixture();
    chmodSync(f.dealer, 0o644);
    expect(run(f)['cyrus.notify-external']).toMatchObject({level: 'error', fix: `chmod 0755 ${f.dealer}`});
    const other = fixture({imapd: (t) => t.replace(/^notify_external:.*$/m, 'notify_external: /bin/true')});
    expect(run(other)['cyrus.notify-external']?.level).toBe('warning');
    const wrapper = join(other.dir, 'capture.sh');
    writeFileSync(wrapper, '#!/bin/sh\nexec /usr/bin/bonnie-dealer "$@"\n', {mode: 0o755});
    writeFileSync(other.imapdConf, readFileSync(other.imapdConf, 'utf8').replace(/^notify_external:.*$/m, `notify_external: ${wrapper}`));
    expect(run(other)['cyrus.notify-external']?.level).toBe('ok');
  });

  it('with bonnie dealer --listen: the notify line must go, the socket must be there, the datagram queue long enough', async () => {
    const withNotifyd = fixture();
    const refused = run(withNotifyd, {capture: 'listen'});
    expect(refused['cyrus.notify-service']).toMatchObject({level: 'error', fix: `Remove the "notify" line from SERVICES in ${withNotifyd.cyrusConf} and restart Cyrus.`});

    const f = fixture({cyrus: (t) => t.replace(/^\s*notify\s+cmd=.*\n/m, '')});
    const inferred = run(f);
    expect(inferred['cyrus.notify-service']?.level).toBe('ok');
    expect(inferred['cyrus.notify-external']?.found).toMatch(/not used/);
    expect(inferred['cyrus.notify-socket']).toMatchObject({level: 'error', found: expect.stringContaining('does not exist') as string});
    expect(inferred['system.max-dgram-qlen']).toMatchObject({level: 'warning', found: 'net.unix.max_dgram_qlen = 10: a burst of more events makes Cyrus wait for bonnie dealer --listen'});

    await socketAt(f.socket);
    writeFileSync(join(f.dir, 'max_dgram_qlen'), '1024\n');
    const fixed = run(f);
    expect([fixed['cyrus.notify-socket']?.level, fixed['system.max-dgram-qlen']?.level]).toEqual(['ok', 'ok']);
  });

  it('a missing socket is a warning while notifyd would make it, and a notifyd on another path an error', () => {
    expect(run(fixture())['cyrus.notify-socket']?.level).toBe('warning');
    const f = fixture({cyrus: (t) => t.replace(/listen="[^"]*\/notify"/, 'listen="/run/elsewhere/notify"')});
    expect(run(f)['cyrus.notify-service']).toMatchObject({level: 'error', found: expect.stringContaining('/run/elsewhere/notify') as string});
  });

  it('reports an unreadable imapd.conf with the flag that names it', () => {
    const checks = run({...fixture(), imapdConf: '/nonexistent/imapd.conf'});
    expect(Object.keys(checks)).toEqual(['cyrus.imapd-conf']);
    expect(checks['cyrus.imapd-conf']?.fix).toMatch(/--imapd-conf/);
  });
});

describe('Cyrus configuration files', () => {
  it('reads imapd.conf options (last wins, comments skipped) and cyrus.conf SERVICES only', () => {
    expect(parseImapdConf('# c\nevent_groups: a\nEvent_Groups:  b c \n')).toEqual(new Map([['event_groups', 'b c']]));
    const services = parseCyrusServices('START {\n  notify cmd="notifyd"\n}\nSERVICES {\n  imap cmd="imapd" listen="imap"\n  # notify cmd="notifyd"\n  note  cmd="/usr/lib/cyrus/bin/notifyd -C /x" listen="/run/n" proto="udp" prefork=1\n}\n');
    expect(services.map((s) => [s.name, s.cmd, s.listen, s.proto])).toEqual([
      ['imap', 'imapd', 'imap', undefined],
      ['note', '/usr/lib/cyrus/bin/notifyd -C /x', '/run/n', 'udp'],
    ]);
  });
});
