import {describe, expect, it} from 'vitest';
import {appendDirection, isLocalDomain, isOutsideSubject, recipientDomains} from '../../../../src/lib/pipeline/dlp/direction.js';

const message = (to: string, cc = '') => Buffer.from(`From: alice@example.org\r\nTo: ${to}\r\n${cc === '' ? '' : `Cc: ${cc}\r\n`}Subject: x\r\n\r\nbody with bob@elsewhere.example in it\r\n`);

describe('local_domains', () => {
  it('takes a domain and its subdomains as local, without regard to case', () => {
    expect(['example.org', 'MAIL.Example.org', 'example.org.', 'badexample.org', 'example.com'].map((d) => isLocalDomain(d, ['example.org']))).toEqual([true, true, true, false, false]);
  });

  it('reads the recipients of To and Cc (folded, with names and groups), not the body', () => {
    expect(recipientDomains(message('"Bob, B." <bob@Partner.example>,\r\n carol@example.org', 'team: dave@sub.example.org;'))).toEqual(['partner.example', 'example.org', 'sub.example.org']);
  });

  it('counts an APPEND as out only in a Sent folder with a recipient outside; every APPEND without local_domains', () => {
    const outside = message('bob@partner.example, carol@example.org');
    const inside = message('carol@example.org', 'dave@mail.example.org');
    expect(appendDirection('Sent', outside, ['example.org'])).toBe('out');
    expect(appendDirection('Sent Items/2026', outside, ['example.org'])).toBe('out');
    expect(appendDirection('Sent', inside, ['example.org'])).toBeNull();
    expect(appendDirection('Drafts', outside, ['example.org'])).toBeNull();
    expect(appendDirection('Drafts', inside, [])).toBe('out');
  });

  it('takes an ACL identifier of another domain as outside; bare logins and local ones are not', () => {
    expect(['bob@partner.example', 'carol@example.org', 'dave', 'anyone', 'x@'].map((s) => isOutsideSubject(s, ['example.org']))).toEqual([true, false, false, false, false]);
    expect(isOutsideSubject('bob@partner.example', [])).toBe(false);
  });
});
