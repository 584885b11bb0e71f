import {describe, expect, it} from 'vitest';
import {splitFlags} from '../../../../src/lib/core/event/index.js';

describe('splitFlags (flagNames)', () => {
  it('capitalizes system flags the RFC 3501 way and keeps keywords as sent', () => {
    expect(splitFlags('\\flagged $Important')).toEqual(['\\Flagged', '$Important']);
    expect(splitFlags('\\seen \\answered \\deleted \\draft \\recent')).toEqual([
      '\\Seen',
      '\\Answered',
      '\\Deleted',
      '\\Draft',
      '\\Recent',
    ]);
    expect(splitFlags('\\SEEN Work $label1 \\Junk')).toEqual(['\\Seen', 'Work', '$label1', '\\Junk']);
  });

  it('drops duplicates case-insensitively, keeping the first', () => {
    expect(splitFlags('\\Seen \\seen Work work WORK $x')).toEqual(['\\Seen', 'Work', '$x']);
  });

  it('tolerates extra blanks and empty input', () => {
    expect(splitFlags('  \\Seen   Work ')).toEqual(['\\Seen', 'Work']);
    expect(splitFlags('')).toEqual([]);
  });
});
