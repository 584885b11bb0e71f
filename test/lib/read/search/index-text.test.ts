import {describe, expect, it} from 'vitest';
import {indexText} from '../../../../src/lib/read/search/index-text.js';

describe('indexText', () => {
  it('makes each CJK character a token of its own, and leaves other text alone', () => {
    expect(indexText('会議の議事録 budget')).toBe(' 会  議  の  議  事  録  budget');
  });
});
