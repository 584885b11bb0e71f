// IPAddress (TS 102 232-1) from the forms Cyrus and Node print, and back to canonical text.
import {describe, expect, it} from 'vitest';
import {ipAddress, parseBer, readIpAddress} from '../../../../../src/lib/pipeline/intercept/handover/etsi-asn1.js';
import {mapEvent} from '../../../../../src/lib/pipeline/intercept/handover/records.js';
import {load} from '../../../core/event/specimen-helpers.js';

const roundTrip = (text: string): string => readIpAddress(parseBer(new Uint8Array(ipAddress(2, text).toBER())));
const binary = (text: string): string => {
  const bytes = new Uint8Array(ipAddress(2, text).toBER());
  return Buffer.from(bytes.subarray(bytes.length - 3 - (text.includes(':') ? 16 : 4), bytes.length - 3)).toString('hex');
};

describe('IPAddress', () => {
  it('IPv4 and IPv6 in their usual forms, as 4 or 16 octets, read back canonically (RFC 5952)', () => {
    expect(roundTrip('127.0.0.1')).toBe('127.0.0.1');
    expect(roundTrip('::1')).toBe('::1');
    expect(roundTrip('::')).toBe('::');
    expect(roundTrip('2001:DB8:0:0:0:0:0:1')).toBe('2001:db8::1');
    expect(roundTrip('fe80::1:2')).toBe('fe80::1:2');
    expect(binary('::ffff:192.0.2.1')).toBe('00000000000000000000ffffc0000201');
    expect(binary('2001:db8::')).toBe('20010db8000000000000000000000000');
    expect(binary('fe80::1%eth0')).toBe('fe800000000000000000000000000001');
  });

  it('refuses what is not an address', () => {
    expect(() => ipAddress(2, 'imap.lab.test')).toThrow(/not an IP address/);
  });

  it('a Login whose server is given by name keeps its client, without the server\'s address', () => {
    const login = load('06-Login.json');
    const records = mapEvent({...login, serverIp: 'imap.lab.test'}, [{
      liid: 'L', start: 0, end: Number.MAX_SAFE_INTEGER, targets: [{given: 'alice', personId: 'login:alice', login: 'alice', addresses: []}],
    }]);
    expect(records[0]).toMatchObject({clientAddress: '127.0.0.1', serverPort: 11143});
    expect(records[0]).not.toHaveProperty('serverAddress');
  });
});
