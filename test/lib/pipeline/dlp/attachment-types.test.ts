import {describe, expect, it} from 'vitest';
import {inspectAttachment, pdfEncrypted, sevenZipEncrypted, zipEncrypted} from '../../../../src/lib/pipeline/dlp/attachment-types.js';
import {elfExecutable, pdf, peExecutable, sevenZip, zip} from './fixtures.js';

describe('attachment_type', () => {
  it('knows executables by their bytes, whatever their name', async () => {
    expect(await inspectAttachment('invoice.txt', peExecutable())).toMatchObject({detected: 'exe', kinds: ['executable'], sample: 'invoice.txt: exe, named .txt'});
    expect(await inspectAttachment('run', elfExecutable())).toMatchObject({detected: 'elf', kinds: ['executable']});
    expect(await inspectAttachment('notes.txt', Buffer.from(`MZ is how a Windows program starts, but this is text.${' '.repeat(80)}`))).toMatchObject({detected: undefined, kinds: []});
    expect(await inspectAttachment('notes.txt', Buffer.from('Just a text that mentions MZ and ELF.'))).toMatchObject({detected: undefined, kinds: []});
  });

  it('tells an encrypted ZIP from a plain one', async () => {
    expect(zipEncrypted(zip('a.txt', 'hello', true))).toBe(true);
    expect(zipEncrypted(zip('a.txt', 'hello', false))).toBe(false);
    expect(await inspectAttachment('docs.zip', zip('a.txt', 'hello', true))).toMatchObject({detected: 'zip', kinds: ['archive', 'encrypted', 'encrypted_zip'], sample: 'docs.zip: encrypted zip'});
    expect(await inspectAttachment('docs.zip', zip('a.txt', 'hello', false))).toMatchObject({detected: 'zip', kinds: ['archive']});
  });

  it('tells an encrypted PDF and 7z from plain ones', async () => {
    expect(pdfEncrypted(pdf(true))).toBe(true);
    expect(pdfEncrypted(pdf(false))).toBe(false);
    expect(await inspectAttachment('q3.pdf', pdf(true))).toMatchObject({detected: 'pdf', kinds: ['encrypted', 'encrypted_pdf']});
    expect(await inspectAttachment('q3.pdf', pdf(false))).toMatchObject({detected: 'pdf', kinds: []});
    expect(sevenZipEncrypted(sevenZip(true))).toBe(true);
    expect(sevenZipEncrypted(sevenZip(false))).toBe(false);
    expect(await inspectAttachment('x.7z', sevenZip(true))).toMatchObject({detected: '7z', kinds: ['archive', 'encrypted', 'encrypted_7z']});
  });
});
