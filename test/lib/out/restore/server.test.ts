import {describe, expect, it} from 'vitest';
import {loadSettings} from '../../../../src/lib/base/config/settings.js';
import {restoreServer} from '../../../../src/lib/out/restore/server.js';

describe('restoreServer', () => {
  const settings = loadSettings({}, {
    BONNIE_CONFIG: '/dev/null',
    BONNIE_IMAP_URL: 'imaps://imap.example.com',
    BONNIE_IMAP_PASSWORD_FILE: '/etc/bonnie/imap.secret',
    BONNIE_IMAP_CA_FILE: '/etc/bonnie/ca.pem',
  });

  it('keeps imap_tls and imap_ca_file for --server: the password goes to another host under the same checks', () => {
    const server = restoreServer(settings, 'imap://restore.example.com');
    expect(server).toMatchObject({host: 'restore.example.com', port: 143, secure: false, tls: 'verify', caFile: '/etc/bonnie/ca.pem'});
  });

  it('keeps imap_tls: off only when configured', () => {
    const off = loadSettings({}, {BONNIE_CONFIG: '/dev/null', BONNIE_IMAP_URL: 'imap://imap.example.com', BONNIE_IMAP_PASSWORD_FILE: '/x', BONNIE_IMAP_TLS: 'off'});
    expect(restoreServer(off, 'imaps://other.example.com:9993')).toMatchObject({secure: true, port: 9993, tls: 'off'});
  });
});
