import {describe, expect, it} from 'vitest';
import {evaluateRules, needsAttachmentContent, scanMessage} from '../../../../src/lib/pipeline/dlp/evaluate.js';
import {parseRules} from '../../../../src/lib/pipeline/dlp/rules.js';
import {mail, peExecutable, RULES, zip} from './fixtures.js';

const rules = parseRules(RULES, 'dlp.yaml');
const OUT = {user: 'alice', groups: ['Finance'], folder: 'Sent Items', direction: 'out'} as const;

async function matched(bytes: Buffer, context = {}): Promise<string[]> {
  const scan = await scanMessage(bytes, {attachmentContent: needsAttachmentContent(rules)});
  return evaluateRules(rules, scan, context).filter((r) => r.matched).map((r) => r.rule);
}

describe('rules against a message', () => {
  it('matches a card with evidence in the subject, body, HTML or a text attachment', async () => {
    expect(await matched(mail({subject: 'card 4111 1111 1111 1111'}))).toEqual(['cards']);
    expect(await matched(mail({html: '<p>Visa<br>4111&nbsp;1111&nbsp;1111&nbsp;1111</p>'}))).toEqual(['cards']);
    expect(await matched(mail({body: 'Visa 4111\u200b1111\u200b1111\u200b1111'}))).toEqual(['cards']);
    expect(await matched(mail({attachments: [{name: 'export.csv', type: 'text/csv', content: 'name,card,expiry\nA,5555555555554444,09/28\n'}]}))).toEqual(['cards']);
  });

  it('does not match decoys: a card without evidence below the rule’s confidence, a Luhn-invalid number, keywords alone', async () => {
    expect(await matched(mail({body: 'order 4111111111111111 shipped'}))).toEqual([]);
    expect(await matched(mail({body: 'Visa 4111 1111 1111 1112 exp 12/27'}))).toEqual([]);
    expect(await matched(mail({body: 'Send me your credit card number, CVV and expiry date (MM/YY).'}))).toEqual([]);
  });

  it('combines all: and any:, and checks the scope the context gives', async () => {
    const body = 'Confidential: payment to DE89 3704 0044 0532 0130 00 and GB29 NWBK 6016 1331 9268 19.';
    expect(await matched(mail({body}), OUT)).toEqual(['bank-details-out']);
    expect(await matched(mail({body: body.replace('Confidential', 'Public')}), OUT)).toEqual([]);
    expect(await matched(mail({body: body.replace('GB29', 'GB28')}), OUT)).toEqual([]);
    expect(await matched(mail({body}), {...OUT, direction: 'in'})).toEqual([]);
    expect(await matched(mail({body}), {...OUT, folder: 'INBOX'})).toEqual([]);
    expect(await matched(mail({body}), {...OUT, groups: ['sales']})).toEqual([]);
    const scan = await scanMessage(mail({body}), {attachmentContent: false});
    expect(evaluateRules(rules, scan, {})[1]?.scope).toEqual({matched: true, unchecked: ['users', 'groups', 'folders', 'direction'], reason: null});
    expect(evaluateRules(rules, scan, {...OUT, direction: 'in'})[1]?.scope.reason).toBe('direction is in, the rule wants out');
  });

  it('matches attachments by their bytes: an exe named .txt, an encrypted ZIP, not a plain one', async () => {
    expect(await matched(mail({attachments: [{name: 'readme.txt', type: 'text/plain', content: peExecutable()}]}))).toEqual(['risky-attachments']);
    expect(await matched(mail({attachments: [{name: 'q3.zip', type: 'application/zip', content: zip('q3.xlsx', 'data', true)}]}))).toEqual(['risky-attachments']);
    expect(await matched(mail({attachments: [{name: 'q3.zip', type: 'application/zip', content: zip('q3.xlsx', 'data', false)}]}))).toEqual([]);
    expect(await matched(mail({attachments: [{name: 'big.bin', type: 'application/octet-stream', content: Buffer.alloc(3 * 1024 * 1024, 1)}]}))).toEqual(['risky-attachments']);
  });

  it('matches lists above their size, not below', async () => {
    const emails = (n: number) => Array.from({length: n}, (_, i) => `person${i}@example.net`).join('; ');
    expect(await matched(mail({body: emails(50)}))).toEqual(['risky-attachments']);
    expect(await matched(mail({body: emails(49)}))).toEqual([]);
  });

  it('reports each hit with its detector, count, confidence and masked samples', async () => {
    const scan = await scanMessage(mail({body: 'Visa 4111 1111 1111 1111 and card 5555-5555-5555-4444, exp 01/29'}), {attachmentContent: false});
    const [cards] = evaluateRules(rules, scan);
    expect(cards?.hits).toEqual([{detector: 'credit_card', count: 2, confidence: 'high', samples: ['4111 **** **** 1111', '5555 **** **** 4444']}]);
  });
});
