import {EqualityFilter, FilterParser, OrFilter} from 'ldapts';
import {describe, expect, it} from 'vitest';
import {
  checkFilterTemplate,
  DEFAULT_GROUP_FILTER,
  DEFAULT_LOGIN_FILTER,
  escapeFilterValue,
  expandGroupFilter,
  expandLoginFilter,
  GROUP_PLACEHOLDERS,
  LOGIN_PLACEHOLDERS,
  splitLogin,
} from '../../../../src/lib/base/config/ldap-filter.js';

/** The value ldapts will send for the single equality filter `filter` (what the server compares). */
function sentValue(filter: string): string {
  const parsed = FilterParser.parseString(filter);
  expect(parsed).toBeInstanceOf(EqualityFilter);
  return String((parsed as EqualityFilter).value);
}

describe('escapeFilterValue (RFC 4515)', () => {
  it('escapes the five characters a filter value may not contain', () => {
    expect(escapeFilterValue('*')).toBe('\\2a');
    expect(escapeFilterValue('(')).toBe('\\28');
    expect(escapeFilterValue(')')).toBe('\\29');
    expect(escapeFilterValue('\\')).toBe('\\5c');
    expect(escapeFilterValue('\0')).toBe('\\00');
    expect(escapeFilterValue('a*b(c)d\\e\0f')).toBe('a\\2ab\\28c\\29d\\5ce\\00f');
  });

  it('leaves other characters, non-ASCII included, as they are', () => {
    expect(escapeFilterValue('alice.archer+tag@lab.test')).toBe('alice.archer+tag@lab.test');
    expect(escapeFilterValue('jürgen@bücher.de')).toBe('jürgen@bücher.de');
    expect(escapeFilterValue('王小明')).toBe('王小明');
    expect(escapeFilterValue('😀')).toBe('😀');
  });

  it('survives ldapts parsing: the server gets exactly the login', () => {
    for (const login of ['*', 'a)(uid=*', 'x\\y', 'nul\0byte', 'jürgen', '王小明😀', '%s', '\\2a']) {
      expect(sentValue(`(uid=${escapeFilterValue(login)})`)).toBe(login);
    }
  });
});

describe('splitLogin', () => {
  it('splits at the last @', () => {
    expect(splitLogin('alice@lab.test')).toEqual({login: 'alice@lab.test', local: 'alice', domain: 'lab.test'});
    expect(splitLogin('"a@b"@lab.test')).toEqual({login: '"a@b"@lab.test', local: '"a@b"', domain: 'lab.test'});
  });

  it('has an empty domain without @', () => {
    expect(splitLogin('alice')).toEqual({login: 'alice', local: 'alice', domain: ''});
  });
});

describe('expandLoginFilter', () => {
  it('puts in the login (%s), its local part (%u) and domain (%d)', () => {
    expect(expandLoginFilter('(&(uid=%u)(o=%d)(mail=%s))', 'alice@lab.test')).toBe('(&(uid=alice)(o=lab.test)(mail=alice@lab.test))');
    expect(expandLoginFilter(DEFAULT_LOGIN_FILTER, 'alice')).toBe('(|(uid=alice)(mail=alice)(mailAlternateAddress=alice)(alias=alice))');
  });

  it('escapes what it puts in, and nothing else', () => {
    const filter = expandLoginFilter('(|(uid=%u)(cn=100%%)(mail=%s))', 'a*)(uid=*@x(y)');
    expect(filter).toBe('(|(uid=a\\2a\\29\\28uid=\\2a)(cn=100%)(mail=a\\2a\\29\\28uid=\\2a@x\\28y\\29))');
    const parsed = FilterParser.parseString(filter) as OrFilter;
    expect(parsed.filters).toHaveLength(3);
    expect((parsed.filters[0] as EqualityFilter).value).toBe('a*)(uid=*');
  });

  it('does not expand placeholders that come from the login', () => {
    expect(expandLoginFilter('(uid=%s)', '%u%d')).toBe('(uid=%u%d)');
  });

  it('makes filters ldapts accepts from the default template', () => {
    for (const login of ['alice', 'alice@lab.test', '*', '(', 'jürgen@lab.test', '']) {
      expect(() => FilterParser.parseString(expandLoginFilter(DEFAULT_LOGIN_FILTER, login))).not.toThrow();
    }
  });
});

describe('expandGroupFilter', () => {
  it("puts in the person's DN, escaped", () => {
    const dn = 'uid=o\\2Cbrien,ou=People,dc=lab,dc=test';
    const filter = expandGroupFilter(DEFAULT_GROUP_FILTER, dn);
    expect(filter).toBe('(|(member=uid=o\\5c2Cbrien,ou=People,dc=lab,dc=test)(uniqueMember=uid=o\\5c2Cbrien,ou=People,dc=lab,dc=test))');
    expect(((FilterParser.parseString(filter) as OrFilter).filters[0] as EqualityFilter).value).toBe(dn);
  });
});

describe('checkFilterTemplate', () => {
  it('accepts the defaults', () => {
    expect(checkFilterTemplate(DEFAULT_LOGIN_FILTER, LOGIN_PLACEHOLDERS)).toBeUndefined();
    expect(checkFilterTemplate(DEFAULT_GROUP_FILTER, GROUP_PLACEHOLDERS)).toBeUndefined();
    expect(checkFilterTemplate('(&(objectClass=person)(uid=%u)(cn=50\\25 %%))', LOGIN_PLACEHOLDERS)).toBeUndefined();
  });

  it.each([
    ['uid=%u', 'starts with "("'],
    ['(uid=%u', 'ends with ")"'],
    ['(&(uid=%u)', 'unbalanced'],
    ['(uid=%u))', 'unbalanced'],
    ['(uid=%u)(mail=%s)', 'more than one filter'],
    ['(uid=%x)', 'unknown placeholder "%x"'],
    ['(uid=%D)', 'unknown placeholder "%D"'],
    ['(uid=alice)', 'uses none of %s, %u, %d'],
    ['(uid=%%)', 'uses none of'],
    ['(uid=a\\zz%u)', 'two hex digits'],
    ['(uid=%u)%', 'ends with ")"'],
    ['(uid=%u%)', 'unknown placeholder "%)"'],
  ])('rejects %s', (template, problem) => {
    expect(checkFilterTemplate(template, LOGIN_PLACEHOLDERS)).toContain(problem);
  });

  it('knows %D only in group filters', () => {
    expect(checkFilterTemplate('(member=%s)', GROUP_PLACEHOLDERS)).toContain('unknown placeholder "%s"');
  });
});
