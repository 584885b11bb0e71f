import {describe, expect, it} from 'vitest';
import {TermMatcher} from '../../../../src/lib/pipeline/dlp/keywords.js';

describe('keywords and regex', () => {
  it('counts whole words without regard to case, and phrases across line breaks', () => {
    const matcher = new TermMatcher({words: ['confidential', 'trade secret']});
    const found = matcher.find('CONFIDENTIAL: this trade\nsecret is confidential; nonconfidential does not count.');
    expect(found.map((f) => [f.sample, f.confidence])).toEqual([['confidential', 'medium'], ['trade secret', 'medium'], ['confidential', 'medium']]);
  });

  it('folds the case of accented letters too', () => {
    expect(new TermMatcher({words: ['Geschäftsgeheimnis']}).find('GESCHÄFTSGEHEIMNIS! ein geschäftsgeheimnis').length).toBe(2);
  });

  it('counts an occurrence only with a near word within the distance, and is then highly confident', () => {
    const matcher = new TermMatcher({words: ['merger'], near: ['acme'], within: 20});
    expect(matcher.find('the merger with Acme').map((f) => f.confidence)).toEqual(['high']);
    expect(matcher.find(`the merger ${'.'.repeat(40)} Acme`)).toEqual([]);
  });

  it('masks what a regular expression matched', () => {
    const matcher = new TermMatcher({pattern: /EMP-\d{6}/g});
    expect(matcher.find('staff EMP-123456 and EMP-654321').map((f) => f.sample)).toEqual(['E********6', 'E********1']);
  });
});
