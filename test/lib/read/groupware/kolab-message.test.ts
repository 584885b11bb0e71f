/** Reading Kolab messages: X-Kolab-Type from the header alone, the XML part, and mail that is no object. */
import {describe, expect, it} from 'vitest';
import {kolabTypeOf, objectType, readKolabMessage, titleOf} from '../../../../src/lib/read/groupware/kolab-message.js';
import {kolabContact, kolabEvent, kolabMessage} from './kolab-fixture.js';

const EVENT = {uid: 'ev-1', summary: 'Budget meeting', start: '2026-03-02T10:00:00', end: '2026-03-02T11:00:00', sequence: 0, lastModified: '2026-03-01T09:00:00Z'};

describe('Kolab messages', () => {
  it('reads X-Kolab-Type from the header only, folded or not, in any case', () => {
    expect(kolabTypeOf(kolabEvent(EVENT))).toBe('application/x-vnd.kolab.event');
    expect(kolabTypeOf(Buffer.from('Subject: x\r\nx-kolab-type:\r\n  application/x-vnd.kolab.Note\r\n\r\nbody'))).toBe('application/x-vnd.kolab.note');
    expect(kolabTypeOf(Buffer.from('Subject: x\r\n\r\nX-Kolab-Type: application/x-vnd.kolab.event\r\n'))).toBeUndefined();
    expect(kolabTypeOf(Buffer.from('Subject: x\nX-Kolab-Type: \n\n'))).toBeUndefined();
    expect(objectType('application/x-vnd.kolab.contact.distlist')).toBe('contact.distlist');
  });

  it('decodes the object: its UID, its XML part as property lines, its title, its text', async () => {
    const event = await readKolabMessage(kolabEvent(EVENT));
    expect(event).toMatchObject({kolabType: 'application/x-vnd.kolab.event', subject: 'ev-1', xml: {mimeType: 'application/calendar+xml'}, problem: null});
    expect(event?.lines).toContain('summary: Budget meeting');
    expect(event?.text).toContain('This is a Kolab Groupware object.');
    expect(titleOf(event as NonNullable<typeof event>)).toBe('Budget meeting');
    const contact = await readKolabMessage(kolabContact('c-1', 'Bob Baker', 'bob@lab.test'));
    expect(contact?.lines).toContain('email;type=work: bob@lab.test');
  });

  it('says why an XML part cannot be read, and returns nothing for mail', async () => {
    const broken = await readKolabMessage(kolabMessage({uid: 'x', type: 'note', mimeType: 'application/vnd.kolab+xml', xml: '<note><summary>open', date: 'Sun, 01 Mar 2026 10:00:00 +0000'}));
    expect(broken).toMatchObject({lines: null, problem: expect.stringMatching(/is not closed/) as unknown});
    expect(await readKolabMessage(Buffer.from('Subject: ev-1\r\n\r\nplain mail\r\n'))).toBeUndefined();
  });
});
