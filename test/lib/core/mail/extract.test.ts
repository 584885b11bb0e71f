import {describe, expect, it} from 'vitest';
import {withoutBinaryContent} from '../../../../src/lib/core/mail/binary-parts.js';
import {extractDoc, extractMessage, htmlToText} from '../../../../src/lib/core/mail/extract.js';
import {makeMail} from '../../store/archive/mail.js';
import {MAIL} from '../../read/search/mail-fixture.js';

describe('what the index keeps of a message', () => {
  it('decodes UTF-8 text, addresses with names, Message-ID and the Date header', async () => {
    const doc = await extractDoc(MAIL.utf8Plain);
    expect(doc).toMatchObject({
      from: 'Alice Archer alice@example.com',
      fromDisplay: 'alice@example.com',
      to: 'Bob Baker bob@example.com',
      cc: 'carol@example.com',
      subject: 'Quarterly report',
      messageId: '<q1-report@example.com>',
      date: Date.parse('2026-03-02T09:00:00Z'),
      hasAttachment: false,
      attachments: '',
    });
    expect(doc.body).toContain('The merger with Café Noir is on track.');
  });

  it('decodes ISO-8859-1 quoted-printable bodies and encoded words in From and Subject', async () => {
    const doc = await extractDoc(MAIL.latin1Qp);
    expect(doc.from).toBe('Jörg Müller joerg@example.de');
    expect(doc.subject).toBe('Grüße aus München');
    expect(doc.body).toContain('Schöne Äpfel und der Vertrag ist unterschrieben.');
  });

  it('decodes Shift_JIS in base64, and an encoded word in Shift_JIS', async () => {
    const doc = await extractDoc(MAIL.sjisBase64);
    expect(doc.subject).toBe('議事録');
    expect(doc.body.trim()).toBe('会議の議事録を送ります。予算は承認されました。');
  });

  it('decodes UTF-8 quoted-printable, an ISO-2022-JP subject and UTF-8 base64', async () => {
    const qp = await extractDoc(MAIL.utf8Qp);
    expect(qp.subject).toBe('予算の承認');
    expect(qp.body).toContain('Grüße aus München, Käse für 5 €, see you at the offsite.');
    expect(qp.cc).toBe('Erin Eastwood erin@example.org');
    const zh = await extractDoc(MAIL.chinese);
    expect(zh.subject).toBe('预算报告');
    expect(zh.body.trim()).toBe('我们明天开会讨论预算。');
  });

  it('indexes the text of HTML-only mail, without styles, scripts or the head', async () => {
    const doc = await extractDoc(MAIL.htmlOnly);
    expect(doc.body).toContain('Invitation to the launch party at the Café & Bar');
    expect(doc.body).toContain('Frühling – soon');
    expect(doc.body).not.toMatch(/hidden|tracking|ignored title|<p>/);
  });

  it('names attachments; an image the HTML shows is not one', async () => {
    expect(await extractDoc(MAIL.withAttachment)).toMatchObject({attachments: 'budget-2026.xlsx', hasAttachment: true});
    expect(await extractDoc(MAIL.inlineLogo)).toMatchObject({attachments: '', hasAttachment: false});
    expect((await extractDoc(MAIL.withAttachment)).body).toContain('Please find the budget attached.');
  });

  it('leaves the date undefined without a Date header', async () => {
    expect((await extractDoc(MAIL.noDate)).date).toBeUndefined();
  });
});

describe('withoutBinaryContent', () => {
  it('drops the base64 of attachments, keeps their headers, and changes nothing the index keeps', async () => {
    for (const mail of [MAIL.withAttachment, makeMail('x1', 60_000, 'binary'), makeMail('x2', 60_000, 'text')]) {
      const stripped = withoutBinaryContent(mail);
      expect(await extractDoc(stripped)).toEqual(await extractDoc(mail));
    }
    const stripped = Buffer.from(withoutBinaryContent(MAIL.withAttachment)).toString('latin1');
    expect(stripped.length).toBeLessThan(MAIL.withAttachment.length / 2);
    expect(stripped).toContain('Content-Disposition: attachment; filename="budget-2026.xlsx"');
    expect(stripped).toContain('<p>Please find the budget attached.</p>');
  });

  it('keeps base64 text parts, and a message without binary parts as it is', () => {
    expect(withoutBinaryContent(MAIL.sjisBase64)).toBe(MAIL.sjisBase64);
    expect(withoutBinaryContent(MAIL.htmlOnly)).toBe(MAIL.htmlOnly);
  });
});

describe('extractMessage', () => {
  it("decodes attachments' content only when asked, and lists inline images too", async () => {
    const names = await extractMessage(MAIL.withAttachment);
    expect(names.attachments.map((a) => [a.filename, a.content.length])).toEqual([['logo.png', 0], ['budget-2026.xlsx', 0]]);
    const content = await extractMessage(MAIL.withAttachment, {attachmentContent: true});
    expect(content.doc).toEqual(names.doc);
    expect(content.attachments.every((a) => a.content.length > 0)).toBe(true);
    expect((await extractMessage(MAIL.inlineLogo)).attachments.length).toBe(1);
  });
});

describe('htmlToText', () => {
  it('decodes named, decimal and hex character references, and ends blocks with line breaks', () => {
    expect(htmlToText('<p>caf&eacute; &Eacute;t&eacute; &#233; &#xE9; &euro;&nbsp;5 &bogus;</p><p>next</p>')).toBe('café Été é é €\u00a05 &bogus;\nnext');
  });
});
