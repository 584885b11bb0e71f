import {join} from 'node:path';
import {describe, expect, it} from 'vitest';
import {testRules} from '../../../../src/lib/pipeline/dlp/dlp-test.js';
import {renderDlpTest} from '../../../../src/lib/pipeline/dlp/render.js';
import {REPO} from '../../../helpers/paths.js';

const FIXTURES = join(REPO, 'test/fixtures/dlp');
const RULES = join(FIXTURES, 'rules.yaml');

/** Every way the secrets of card.eml could appear in clear: whole, grouped, or the middle digits alone. */
const SECRETS = ['4111111111111111', '4111 1111 1111 1111', '5555555555554444', '5555-5555-5555-4444', '1111 1111', '5555 5555', 'DE89370400440532013000', '3704 0044 0532', '370400440532'];

describe('bonnie dlp test (the library)', () => {
  it('explains which rules matched, with the scope it was given', async () => {
    const report = await testRules(RULES, join(FIXTURES, 'card.eml'), {direction: 'out', folder: 'Sent'});
    expect(report.matched).toEqual(['card-numbers', 'bank-details-leaving', 'encrypted-or-executable']);
    expect(report.message).toEqual({file: join(FIXTURES, 'card.eml'), bytes: expect.any(Number), messageId: '<dlp-card-1@example.org>', attachments: 1});
    expect(report.rules[0]?.hits).toEqual([{detector: 'credit_card', count: 2, confidence: 'high', samples: ['4111 **** **** 1111', '5555 **** **** 4444']}]);
    const inbound = await testRules(RULES, join(FIXTURES, 'card.eml'), {direction: 'in'});
    expect(inbound.matched).not.toContain('bank-details-leaving');
  });

  it('never prints a matched secret in clear, nor the subject that holds one', async () => {
    const report = await testRules(RULES, join(FIXTURES, 'card.eml'));
    for (const output of [JSON.stringify(report), renderDlpTest(report)]) {
      for (const secret of SECRETS) expect(output).not.toContain(secret);
      expect(output).not.toContain('as promised');
    }
  });

  it('matches nothing in the decoy: card words and a Luhn-invalid number', async () => {
    const report = await testRules(RULES, join(FIXTURES, 'decoy.eml'));
    expect(report.matched).toEqual([]);
    expect(report.rules.every((r) => r.hits.length === 0)).toBe(true);
  });

  it('says when the message cannot be read', async () => {
    await expect(testRules(RULES, join(FIXTURES, 'none.eml'))).rejects.toMatchObject({code: 'DlpMessageUnreadable', message: expect.stringContaining('no such file')});
  });
});
