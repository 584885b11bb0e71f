// LdapDirectory against a real slapd: test/live/directory.test.ts. Here: what needs no server.
import {describe, expect, it} from 'vitest';
import {idText} from '../../../../src/lib/sources/directory/ldap.js';

describe('idText', () => {
  it('keeps printable ids as they are (entryUUID, nsuniqueid)', () => {
    expect(idText('d8dc5794-7cc3-1041-9cbf-0f7ea6c488b8')).toBe('d8dc5794-7cc3-1041-9cbf-0f7ea6c488b8');
    expect(idText('66f1a50c-1dd211b2-80e5c0f5-2a1a0000')).toBe('66f1a50c-1dd211b2-80e5c0f5-2a1a0000');
    expect(idText(Buffer.from('d8dc5794-7cc3-1041-9cbf-0f7ea6c488b8'))).toBe('d8dc5794-7cc3-1041-9cbf-0f7ea6c488b8');
  });

  it('writes binary ids (objectGUID) in hex, however ldapts decoded them', () => {
    const guid = Buffer.from('a1b2c3d4e5f60718293a4b5c6d7e8f90', 'hex');
    expect(idText(guid)).toBe('a1b2c3d4e5f60718293a4b5c6d7e8f90');
    // 16 bytes that happen to be valid UTF-8 but hold control characters: still binary.
    const ascii = Buffer.from('0102030441424344000a0b0c0d0e0f10', 'hex');
    expect(idText(ascii)).toBe('0102030441424344000a0b0c0d0e0f10');
    expect(idText(ascii.toString('utf8'))).toBe('0102030441424344000a0b0c0d0e0f10');
  });
});
