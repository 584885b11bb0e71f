/**
 * The lab's Cyrus configuration, without starting Cyrus: the fallback templates match ../shared, and each
 * notification mode gives the settings it promises.
 */
import {existsSync, readFileSync} from 'node:fs';
import {join} from 'node:path';
import {describe, expect, it} from 'vitest';
import {labCyrusConf, labImapdConf, REPO} from './lab.js';

const SHARED = join(REPO, '..', 'shared', 'cyrus', 'config');
const template = (name: string) => readFileSync(join(REPO, 'test', 'harness', 'cyrus', name), 'utf8');
const option = (conf: string, key: string) => conf.match(new RegExp(`^${key}: (.*)$`, 'm'))?.[1];
const service = (conf: string, name: string) => conf.match(new RegExp(`^\\s*${name}\\s+cmd=.*$`, 'm'))?.[0];

describe('the lab configuration', () => {
  it.runIf(existsSync(SHARED)).each(['imapd.conf', 'cyrus.conf'])('test/harness/cyrus/%s is a copy of ../shared/cyrus/config', (name) => {
    expect(template(name)).toBe(readFileSync(join(SHARED, name), 'utf8'));
  });

  it('notifyd: notifyd runs the dealer', () => {
    const imapd = labImapdConf(template('imapd.conf'), '/tmp/lab', 'notifyd', '/repo/bin/bonnie-dealer');
    const cyrus = labCyrusConf(template('cyrus.conf'), '/tmp/lab', 'notifyd', 1143, 1024);
    expect(imapd).not.toContain('@LAB@');
    expect(option(imapd, 'event_notifier')).toBe('external');
    expect(option(imapd, 'notify_external')).toBe('/repo/bin/bonnie-dealer');
    expect(option(imapd, 'notifysocket')).toBe('/tmp/lab/run/socket/notify');
    expect(service(cyrus, 'notify')).toContain('notifyd -C /tmp/lab/etc/imapd.conf');
    expect(service(cyrus, 'imap')).toContain('listen="127.0.0.1:1143"');
    expect(service(cyrus, 'lmtp')).toContain('listen="127.0.0.1:1024"');
    // Every Cyrus program gets -C: cyrmaster does not pass its own on (FACTS.md).
    for (const cmd of cyrus.match(/cmd="[^"]*"/g) ?? []) expect(cmd).toContain('-C /tmp/lab/etc/imapd.conf');
  });

  it('listen: events on, no notify service, the socket left to a listener', () => {
    const imapd = labImapdConf(template('imapd.conf'), '/tmp/lab', 'listen', '/repo/bin/bonnie-dealer');
    const cyrus = labCyrusConf(template('cyrus.conf'), '/tmp/lab', 'listen', 1143, 1024);
    expect(option(imapd, 'event_notifier')).toBe('external');
    expect(option(imapd, 'notify_external')).toBeUndefined();
    expect(option(imapd, 'notifysocket')).toBe('/tmp/lab/run/socket/notify');
    expect(service(cyrus, 'notify')).toBeUndefined();
    expect(service(cyrus, 'imap')).toBeDefined();
  });

  it('off: no event_notifier, no notify service', () => {
    const imapd = labImapdConf(template('imapd.conf'), '/tmp/lab', 'off', '/repo/bin/bonnie-dealer');
    const cyrus = labCyrusConf(template('cyrus.conf'), '/tmp/lab', 'off', 1143, 1024);
    expect(option(imapd, 'event_notifier')).toBeUndefined();
    expect(option(imapd, 'notify_external')).toBeUndefined();
    expect(service(cyrus, 'notify')).toBeUndefined();
  });
});
