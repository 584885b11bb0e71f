/** Groupware objects' XML as property lines: xCal, xCard, Kolab's own XML, and XML that cannot be read. */
import {describe, expect, it} from 'vitest';
import {BonnieError} from '../../../../src/lib/base/errors.js';
import {objectLines, objectTitle} from '../../../../src/lib/read/groupware/object-lines.js';
import {parseXml} from '../../../../src/lib/read/groupware/xml.js';
import {eventXml} from './kolab-fixture.js';

const EVENT = {uid: 'b6cf2bd5-5c1b-4a2f-a9a3-0e9d5e7b5f21', summary: 'Budget & planning <Q2>', start: '2026-03-02T10:00:00', end: '2026-03-02T11:00:00', sequence: 2, lastModified: '2026-03-01T09:30:00Z'};

describe('object lines', () => {
  it('writes an xCal event one property a line: the event unprefixed, the calendar and its alarm prefixed, parameters after the name', () => {
    expect(objectLines(parseXml(eventXml(EVENT)))).toEqual([
      'vcalendar.prodid: Roundcube-libkolab-1.1 Libkolabxml-1.1',
      'vcalendar.version: 2.0',
      'vcalendar.x-kolab-version: 3.1.0',
      'uid: b6cf2bd5-5c1b-4a2f-a9a3-0e9d5e7b5f21',
      'created: 2026-03-01T09:00:00Z',
      'last-modified: 2026-03-01T09:30:00Z',
      'sequence: 2',
      'class: PUBLIC',
      'dtstart;tzid=/kolab.org/Europe/Berlin: 2026-03-02T10:00:00',
      'dtend;tzid=/kolab.org/Europe/Berlin: 2026-03-02T11:00:00',
      'summary: Budget & planning <Q2>',
      'organizer;cn=Alice Archer: mailto:alice@lab.test',
      'valarm.action: DISPLAY',
      'valarm.trigger;related=START: -PT15M',
    ]);
  });

  it('names recurrence exceptions by their RECURRENCE-ID and writes structured values part=value', () => {
    const xml = `<icalendar xmlns="urn:ietf:params:xml:ns:icalendar-2.0"><vcalendar><components>
      <vevent><properties><summary><text>Weekly</text></summary><rrule><recur><freq>WEEKLY</freq><byday>MO</byday></recur></rrule>
        <categories><text>work</text><text>team</text></categories></properties></vevent>
      <vevent><properties><recurrence-id><date-time>2026-03-09T10:00:00</date-time></recurrence-id><summary><text>Moved once</text></summary></properties></vevent>
    </components></vcalendar></icalendar>`;
    expect(objectLines(parseXml(xml))).toEqual([
      'summary: Weekly',
      'rrule: freq=WEEKLY;byday=MO',
      'categories: work, team',
      'vevent[2026-03-09T10:00:00].recurrence-id: 2026-03-09T10:00:00',
      'vevent[2026-03-09T10:00:00].summary: Moved once',
    ]);
  });

  it('writes an xCard contact, and finds the titles of events and contacts', () => {
    const xml = `<?xml version="1.0"?><vcards xmlns="urn:ietf:params:xml:ns:vcard-4.0"><vcard>
      <fn><text>Bob Baker</text></fn><n><surname>Baker</surname><given>Bob</given><additional/></n>
      <email><parameters><type><text>work</text></type></parameters><text>bob@lab.test</text></email>
      <group name="home"><tel><uri>tel:+49-30-1234</uri></tel></group></vcard></vcards>`;
    const lines = objectLines(parseXml(xml));
    expect(lines).toEqual(['fn: Bob Baker', 'n: surname=Baker;given=Bob;additional=', 'email;type=work: bob@lab.test', 'home.tel: tel:+49-30-1234']);
    expect(objectTitle(lines)).toBe('Bob Baker');
    expect(objectTitle(objectLines(parseXml(eventXml(EVENT))))).toBe('Budget & planning <Q2>');
  });

  it('writes Kolab XML (notes, Kolab 2 objects) by element path, CDATA and character references decoded', () => {
    const xml = `<?xml version="1.0" encoding="UTF-8"?>
      <!-- written by Kontact -->
      <note xmlns="http://kolab.org" version="3.0"><uid>n-1</uid><summary><![CDATA[Shopping & <more>]]></summary>
      <description>milk&#10;bread &#x263A;</description><x-custom><identifier>color</identifier><value>#ff0000</value></x-custom><empty/></note>`;
    const lines = objectLines(parseXml(xml));
    expect(lines).toEqual(['uid: n-1', 'summary: Shopping & <more>', 'description: milk\\nbread \u263a', 'x-custom.identifier: color', 'x-custom.value: #ff0000', 'empty: ']);
    expect(objectTitle(lines)).toBe('Shopping & <more>');
  });

  it('refuses XML that is not well formed, saying where', () => {
    for (const bad of ['<a><b></a>', '<a>', 'text', '<a></a><b/>', '<a x="1></a>']) {
      expect(() => parseXml(bad), bad).toThrow(BonnieError);
    }
    expect(() => parseXml('<a><b></a>')).toThrow(/offset 6: <\/a> does not close <b>/);
  });
});
