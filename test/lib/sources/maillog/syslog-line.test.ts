import {describe, expect, it} from 'vitest';
import {isoTimeAt, parseSyslogLine, yearlessTime} from '../../../../src/lib/sources/maillog/syslog-line.js';

/** The files' mtime in these tests: 2026-12-08 12:00 local time. */
const REFERENCE = new Date(2026, 11, 8, 12, 0, 0).getTime();

describe('parseSyslogLine', () => {
  it('reads RFC 3164 lines with a space-padded day (rsyslog, syslog-ng)', () => {
    // Postfix BACKSCATTER_README's example line, its first part.
    expect(parseSyslogLine('Dec  4 04:30:09 hostname postfix/smtpd[58549]: NOQUEUE: reject: x', REFERENCE)).toEqual({
      time: new Date(2026, 11, 4, 4, 30, 9).getTime(),
      host: 'hostname',
      program: 'postfix/smtpd',
      pid: 58549,
      message: 'NOQUEUE: reject: x',
    });
  });

  it("reads the zero-padded day of Postfix's own maillog_file (msg_logger.c: \"%b %d %H:%M:%S \")", () => {
    const line = parseSyslogLine('Dec 07 15:27:11 mx postfix/postlogd[12]: hello', REFERENCE);
    expect(line?.time).toBe(new Date(2026, 11, 7, 15, 27, 11).getTime());
    expect(line?.program).toBe('postfix/postlogd');
  });

  it('reads fractional seconds, keeping milliseconds', () => {
    expect(parseSyslogLine('Dec  7 15:27:11.123456 mx exim[1]: x', REFERENCE)?.time).toBe(new Date(2026, 11, 7, 15, 27, 11, 123).getTime());
    expect(parseSyslogLine('Dec  7 15:27:11.5 mx exim[1]: x', REFERENCE)?.time).toBe(new Date(2026, 11, 7, 15, 27, 11, 500).getTime());
  });

  it('gives a line more than a day after the reference the year before (a file begun in December)', () => {
    const january = new Date(2027, 0, 2, 10).getTime();
    expect(parseSyslogLine('Dec 31 23:59:59 mx cron[1]: x', january)?.time).toBe(new Date(2026, 11, 31, 23, 59, 59).getTime());
    expect(parseSyslogLine('Jan  2 09:00:00 mx cron[1]: x', january)?.time).toBe(new Date(2027, 0, 2, 9).getTime());
    // Up to a day ahead of the reference stays in its year: clocks of hosts differ a little.
    expect(parseSyslogLine('Dec  9 11:00:00 mx cron[1]: x', REFERENCE)?.time).toBe(new Date(2026, 11, 9, 11).getTime());
    expect(parseSyslogLine('Dec  9 13:00:00 mx cron[1]: x', REFERENCE)?.time).toBe(new Date(2025, 11, 9, 13).getTime());
    expect(yearlessTime(REFERENCE, 1, 29, 0, 0, 0, 0)).toBe(new Date(2026, 1, 29).getTime()); // Date's own roll-over
  });

  it("reads rsyslog's high-precision RFC 3339 format with its zone", () => {
    expect(parseSyslogLine('2026-12-07T15:27:11.123456+00:00 mx postfix/cleanup[7]: x', REFERENCE)).toEqual({
      time: Date.UTC(2026, 11, 7, 15, 27, 11, 123), host: 'mx', program: 'postfix/cleanup', pid: 7, message: 'x',
    });
    expect(parseSyslogLine('2026-12-07T15:27:11-05:30 mx a: x', REFERENCE)?.time).toBe(Date.UTC(2026, 11, 7, 20, 57, 11));
    expect(parseSyslogLine('2026-12-07T15:27:11Z mx a: x', REFERENCE)?.time).toBe(Date.UTC(2026, 11, 7, 15, 27, 11));
  });

  it('reads RFC 5424 with nil values, structured data and a BOM', () => {
    expect(parseSyslogLine('<22>1 2026-12-07T15:27:11.1Z mx postfix/smtpd 4711 - - 4D8F21C3B2: client=a[1.2.3.4]', REFERENCE)).toEqual({
      time: Date.UTC(2026, 11, 7, 15, 27, 11, 100), host: 'mx', program: 'postfix/smtpd', pid: 4711, message: '4D8F21C3B2: client=a[1.2.3.4]',
    });
    // RFC 5424 6.5's example 3, structured data with an escaped bracket added.
    const line = parseSyslogLine('<165>1 2003-10-11T22:14:15.003Z mymachine.example.com evntslog - ID47 [exampleSDID@32473 iut="3" eventSource="Appl\\]ication"] \uFEFFAn application event', REFERENCE);
    expect(line).toEqual({time: Date.UTC(2003, 9, 11, 22, 14, 15, 3), host: 'mymachine.example.com', program: 'evntslog', message: 'An application event'});
  });

  it('reads a <PRI> before an RFC 3164 line, a tag without pid and a line without tag', () => {
    expect(parseSyslogLine('<34>Oct 11 22:14:15 mymachine su: \'su root\' failed for lonvick on /dev/pts/8', REFERENCE)).toMatchObject({host: 'mymachine', program: 'su', message: "'su root' failed for lonvick on /dev/pts/8"});
    expect(parseSyslogLine('Dec  7 15:27:11 mx last message repeated 3 times', REFERENCE)).toMatchObject({program: '', message: 'last message repeated 3 times'});
  });

  it('refuses lines in no format', () => {
    for (const bad of ['', 'garbage', 'Foo  7 15:27:11 mx a: b', 'Dec 32 15:27:11 mx a: b', 'Dec  7 25:27:11 mx a: b', 'Dec  7 15:27', '2026-13-07T15:27:11Z mx a: b', '<22>1 - mx a - - - x', '<22>1 2026-12-07T15:27:11Z mx a 1 - [unterminated'])
      expect(parseSyslogLine(bad, REFERENCE), bad).toBeUndefined();
  });
});

describe('isoTimeAt', () => {
  it("reads Exim's timestamps: a space for T, milliseconds, log_timezone's zone", () => {
    expect(isoTimeAt('2003-04-25 11:17:07 +0100 Start queue run', 0)).toEqual([Date.UTC(2003, 3, 25, 10, 17, 7), 25]);
    expect(isoTimeAt('2017-07-30 18:51:05.712 [1236] x', 0)).toEqual([new Date(2017, 6, 30, 18, 51, 5, 712).getTime(), 23]);
  });
});
