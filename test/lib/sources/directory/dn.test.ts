import {describe, expect, it} from 'vitest';
import {firstRdnValue} from '../../../../src/lib/sources/directory/dn.js';

describe('firstRdnValue (RFC 4514)', () => {
  it("reads the first RDN's value", () => {
    expect(firstRdnValue('cn=sales,ou=Groups,dc=lab,dc=test', 'cn')).toBe('sales');
    expect(firstRdnValue('CN=Sales,OU=Groups,DC=lab,DC=test', 'cn')).toBe('Sales');
  });

  it('is undefined when the first RDN is another attribute', () => {
    expect(firstRdnValue('uid=alice,ou=People,dc=lab,dc=test', 'cn')).toBeUndefined();
    expect(firstRdnValue('ou=Groups,cn=x', 'cn')).toBeUndefined();
    expect(firstRdnValue('', 'cn')).toBeUndefined();
  });

  it('unescapes the value: special characters and UTF-8 hex pairs', () => {
    expect(firstRdnValue('cn=Research\\, Development,ou=Groups', 'cn')).toBe('Research, Development');
    expect(firstRdnValue('cn=Research\\2C Development,ou=Groups', 'cn')).toBe('Research, Development');
    expect(firstRdnValue('cn=M\\C3\\BCnchen,ou=Groups', 'cn')).toBe('München');
    expect(firstRdnValue('cn=München,ou=Groups', 'cn')).toBe('München');
    expect(firstRdnValue('cn=a\\+b\\\\c\\=d,ou=Groups', 'cn')).toBe('a+b\\c=d');
    expect(firstRdnValue('cn=\\ padded\\ ,ou=Groups', 'cn')).toBe(' padded ');
  });

  it('finds the attribute in a multi-valued RDN', () => {
    expect(firstRdnValue('ou=Sales+cn=eu,dc=lab', 'cn')).toBe('eu');
    expect(firstRdnValue('cn=a\\+b+ou=x,dc=lab', 'ou')).toBe('x');
  });

  it('does not decode a #hex BER value', () => {
    expect(firstRdnValue('cn=#04024869,dc=lab', 'cn')).toBeUndefined();
  });
});
