import {describe, expect, it} from 'vitest';
import {parseMailboxAcl} from '../../../../src/lib/core/event/index.js';

describe('parseMailboxAcl (vnd.cmu.mailboxACL)', () => {
  it('splits subject/rights pairs, trailing tab included', () => {
    expect(parseMailboxAcl('alice\tlrswipkxtecdan\tanyone\tp\t')).toEqual({
      ok: true,
      acl: [
        {subject: 'alice', rights: 'lrswipkxtecdan'},
        {subject: 'anyone', rights: 'p'},
      ],
    });
  });

  it('accepts a missing trailing tab and keeps negative rights and groups as sent', () => {
    expect(parseMailboxAcl('-bob\tw\tgroup:staff\tlr')).toEqual({
      ok: true,
      acl: [
        {subject: '-bob', rights: 'w'},
        {subject: 'group:staff', rights: 'lr'},
      ],
    });
  });

  it('gives an empty list for an empty ACL', () => {
    expect(parseMailboxAcl('')).toEqual({ok: true, acl: []});
  });

  it('rejects an unpaired subject or an empty subject', () => {
    expect(parseMailboxAcl('alice\tlrs\tbob\t')).toMatchObject({ok: false, error: expect.stringContaining('without rights')});
    expect(parseMailboxAcl('\tlrs\t')).toMatchObject({ok: false, error: expect.stringContaining('empty subject')});
  });
});
