/**
 * Kolab groupware messages as Kolab clients write them (Kolab Format 3.0; Roundcube's libkolab layout):
 * X-Kolab-Type, X-Kolab-Mime-Version, the UID as Subject, a text/plain note for other clients and the
 * object as an xCal (RFC 6321) or xCard (RFC 6351) attachment named kolab.xml. Used by the unit tests and
 * test/live/groupware.test.ts.
 */

export interface EventFields {
  uid: string;
  summary: string;
  /** Local time in Europe/Berlin, `2026-03-02T10:00:00`. */
  start: string;
  end: string;
  sequence: number;
  /** UTC, `2026-03-01T09:00:00Z`. */
  lastModified: string;
  location?: string;
}

const escape = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** The xCal document of an event. */
export function eventXml(e: EventFields): string {
  const text = (name: string, value: string) => `          <${name}>\n            <text>${escape(value)}</text>\n          </${name}>`;
  const local = (name: string, value: string) =>
    `          <${name}>\n            <parameters>\n              <tzid>\n                <text>/kolab.org/Europe/Berlin</text>\n              </tzid>\n            </parameters>\n            <date-time>${value}</date-time>\n          </${name}>`;
  return [
    '<?xml version="1.0" encoding="UTF-8" standalone="no" ?>',
    '<icalendar xmlns="urn:ietf:params:xml:ns:icalendar-2.0">',
    '  <vcalendar>',
    '    <properties>',
    '      <prodid>\n        <text>Roundcube-libkolab-1.1 Libkolabxml-1.1</text>\n      </prodid>',
    '      <version>\n        <text>2.0</text>\n      </version>',
    '      <x-kolab-version>\n        <text>3.1.0</text>\n      </x-kolab-version>',
    '    </properties>',
    '    <components>',
    '      <vevent>',
    '        <properties>',
    text('uid', e.uid),
    '          <created>\n            <date-time>2026-03-01T09:00:00Z</date-time>\n          </created>',
    `          <last-modified>\n            <date-time>${e.lastModified}</date-time>\n          </last-modified>`,
    `          <sequence>\n            <integer>${e.sequence}</integer>\n          </sequence>`,
    text('class', 'PUBLIC'),
    local('dtstart', e.start),
    local('dtend', e.end),
    text('summary', e.summary),
    ...(e.location === undefined ? [] : [text('location', e.location)]),
    '          <organizer>\n            <parameters>\n              <cn>\n                <text>Alice Archer</text>\n              </cn>\n            </parameters>\n            <cal-address>mailto:alice@lab.test</cal-address>\n          </organizer>',
    '        </properties>',
    '        <components>',
    '          <valarm>',
    '            <properties>',
    '              <action>\n                <text>DISPLAY</text>\n              </action>',
    '              <trigger>\n                <parameters>\n                  <related>\n                    <text>START</text>\n                  </related>\n                </parameters>\n                <duration>-PT15M</duration>\n              </trigger>',
    '            </properties>',
    '          </valarm>',
    '        </components>',
    '      </vevent>',
    '    </components>',
    '  </vcalendar>',
    '</icalendar>',
  ].join('\n');
}

/** A Kolab message holding `xml` (of MIME type `mimeType`) for the object `uid`. */
export function kolabMessage(options: {uid: string; type: string; mimeType: string; xml: string; date: string; from?: string}): Buffer {
  const boundary = `=_${Buffer.from(options.uid + options.date).toString('hex').slice(0, 32)}`;
  const lines = [
    'MIME-Version: 1.0',
    `Content-Type: multipart/mixed;\r\n boundary="${boundary}"`,
    `From: ${options.from ?? 'alice@lab.test'}`,
    `To: ${options.from ?? 'alice@lab.test'}`,
    `Date: ${options.date}`,
    `X-Kolab-Type: application/x-vnd.kolab.${options.type}`,
    'X-Kolab-Mime-Version: 3.0',
    `Subject: ${options.uid}`,
    'User-Agent: Roundcube Webmail/1.4.15',
    '',
    `--${boundary}`,
    'Content-Transfer-Encoding: quoted-printable',
    'Content-Type: text/plain; charset=ISO-8859-1',
    '',
    'This is a Kolab Groupware object. To view this object you will need an emai=',
    'l client that understands the Kolab Groupware format.',
    '',
    `--${boundary}`,
    'Content-Transfer-Encoding: 8bit',
    `Content-Type: ${options.mimeType}; charset=UTF-8;\r\n name=kolab.xml`,
    `Content-Disposition: attachment;\r\n filename=kolab.xml;\r\n size=${Buffer.byteLength(options.xml)}`,
    '',
    options.xml.replace(/\r?\n/g, '\r\n'),
    `--${boundary}--`,
    '',
  ];
  return Buffer.from(lines.join('\r\n'), 'utf8');
}

/** A Kolab event message. */
export function kolabEvent(fields: EventFields, date = 'Sun, 01 Mar 2026 10:00:00 +0100', from?: string): Buffer {
  return kolabMessage({uid: fields.uid, type: 'event', mimeType: 'application/calendar+xml', xml: eventXml(fields), date, from});
}

/** A Kolab contact message (xCard). */
export function kolabContact(uid: string, fn: string, email: string): Buffer {
  const xml = [
    '<?xml version="1.0" encoding="UTF-8" standalone="no" ?>',
    '<vcards xmlns="urn:ietf:params:xml:ns:vcard-4.0">',
    '  <vcard>',
    `    <uid><uri>urn:uuid:${uid}</uri></uid>`,
    '    <x-kind><text>individual</text></x-kind>',
    `    <fn><text>${escape(fn)}</text></fn>`,
    `    <n><surname>${escape(fn.split(' ').at(-1) ?? '')}</surname><given>${escape(fn.split(' ')[0] ?? '')}</given><additional/><prefix/><suffix/></n>`,
    `    <email><parameters><type><text>work</text></type></parameters><text>${escape(email)}</text></email>`,
    '  </vcard>',
    '</vcards>',
  ].join('\n');
  return kolabMessage({uid, type: 'contact', mimeType: 'application/vcard+xml', xml, date: 'Sun, 01 Mar 2026 10:00:00 +0100'});
}
