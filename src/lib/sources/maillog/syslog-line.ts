/**
 * One syslog line split into its header and message, for the MTA parsers. Hand-written rather than a regular
 * expression per line: `bonnie maillog` reads files of millions of lines, and every line pays for this.
 *
 * Formats read (each optionally after a `<PRI>` prefix, as in a network capture):
 * - RFC 3164 "BSD" lines, `Dec  7 15:27:11 host prog[pid]: msg`: rsyslog's and syslog-ng's default file
 *   format, and Postfix's own `maillog_file` (src/util/msg_logger.c writes `"%b %d %H:%M:%S "`, so
 *   `Dec 07`, zero-padded, and the host's first label only). Fractional seconds (`15:27:11.123456`, which
 *   syslog-ng's `frac-digits()` and custom rsyslog templates add) are read too. No year and no zone: local
 *   time, year from the caller's reference time (see {@link parseSyslogLine}).
 * - rsyslog's high-precision `RSYSLOG_FileFormat`, `2026-12-07T15:27:11.123456+00:00 host prog[pid]: msg`
 *   (RFC 3339; `Z` or `±hh:mm`; without a zone, local time).
 * - RFC 5424, `<22>1 2026-12-07T15:27:11.1Z host prog pid msgid [sd] msg`; `-` is the nil value.
 */

/** A syslog line's parts. */
export interface SyslogLine {
  /** ms since the epoch (core/time.ts). */
  time: number;
  host: string;
  /** The tag before `[pid]:` (`postfix/smtpd`, `exim`, `cyrus/lmtp`); `''` for a line without one (`last message repeated 3 times`). */
  program: string;
  pid?: number;
  message: string;
}

const DAY_MS = 24 * 60 * 60 * 1000;

const MONTHS: Readonly<Record<string, number>> = {
  Jan: 0, Feb: 1, Mar: 2, Apr: 3, May: 4, Jun: 5, Jul: 6, Aug: 7, Sep: 8, Oct: 9, Nov: 10, Dec: 11,
};

/** The unsigned decimal number of `len` digits at `start`, or -1. */
export function digitsAt(s: string, start: number, len: number): number {
  if (start + len > s.length) return -1;
  let n = 0;
  for (let i = start; i < start + len; i++) {
    const c = s.charCodeAt(i) - 48;
    if (c < 0 || c > 9) return -1;
    n = n * 10 + c;
  }
  return n;
}

// Local time costs a Date construction (the zone's rules); within one hour the offset does not change, so the
// start of the last hour asked for is kept. Log lines come in order: nearly every line hits.
let hourKey = -1;
let hourStart = 0;

/** Local wall-clock time to ms since the epoch; month 0-11. */
export function localTime(year: number, month: number, day: number, hour: number, minute: number, second: number, ms: number): number {
  const key = ((year * 12 + month) * 31 + day) * 24 + hour;
  if (key !== hourKey) {
    hourStart = new Date(year, month, day, hour).getTime();
    hourKey = key;
  }
  return hourStart + minute * 60_000 + second * 1000 + ms;
}

let referenceFor = Number.NaN;
let referenceYear = 0;

/**
 * The instant of an RFC 3164 date, which has no year: the reference time's year (the file's mtime), or the
 * year before when that would put the line more than a day after the reference (a file begun in December,
 * written until January). The day of slack absorbs clocks that differ slightly between hosts.
 */
export function yearlessTime(referenceTime: number, month: number, day: number, hour: number, minute: number, second: number, ms: number): number {
  if (referenceTime !== referenceFor) {
    referenceYear = new Date(referenceTime).getFullYear();
    referenceFor = referenceTime;
  }
  const t = localTime(referenceYear, month, day, hour, minute, second, ms);
  return t > referenceTime + DAY_MS ? localTime(referenceYear - 1, month, day, hour, minute, second, ms) : t;
}

/** Reads `.digits` at `pos` as milliseconds (more than 3 digits truncated); returns [ms, next position]. */
function fraction(s: string, pos: number): [number, number] {
  if (s.charCodeAt(pos) !== 46 /* . */) return [0, pos];
  let i = pos + 1;
  let ms = 0;
  let scale = 100;
  for (; i < s.length; i++) {
    const c = s.charCodeAt(i) - 48;
    if (c < 0 || c > 9) break;
    ms += c * scale;
    scale /= 10;
  }
  return [Math.floor(ms), i];
}

/** `hh:mm:ss` at `pos`, or undefined. */
function clock(s: string, pos: number): [number, number, number] | undefined {
  const h = digitsAt(s, pos, 2);
  const m = digitsAt(s, pos + 3, 2);
  const sec = digitsAt(s, pos + 6, 2);
  if (h < 0 || m < 0 || sec < 0 || s[pos + 2] !== ':' || s[pos + 5] !== ':' || h > 23 || m > 59 || sec > 60) return undefined;
  return [h, m, sec];
}

/**
 * An RFC 3339 timestamp at `pos` (`2026-12-07T15:27:11.123456+00:00`; the `T` may be a space, as in Exim's
 * logs); returns [ms since the epoch, next position], or undefined. Without a zone the time is local.
 */
export function isoTimeAt(s: string, pos: number): [number, number] | undefined {
  const year = digitsAt(s, pos, 4);
  const month = digitsAt(s, pos + 5, 2);
  const day = digitsAt(s, pos + 8, 2);
  const sep = s[pos + 10];
  if (year < 0 || month < 1 || month > 12 || day < 1 || day > 31 || s[pos + 4] !== '-' || s[pos + 7] !== '-' || (sep !== 'T' && sep !== ' ')) return undefined;
  const hms = clock(s, pos + 11);
  if (!hms) return undefined;
  const [ms, fractionEnd] = fraction(s, pos + 19);
  let next = fractionEnd;
  // Exim's `log_timezone`: `2003-04-25 11:17:07 +0100`, the zone after a space.
  if (sep === ' ' && s[next] === ' ' && (s[next + 1] === '+' || s[next + 1] === '-') && digitsAt(s, next + 2, 4) >= 0) next++;
  const zone = s[next];
  if (zone === 'Z') return [Date.UTC(year, month - 1, day, hms[0], hms[1], hms[2], ms), next + 1];
  if (zone === '+' || zone === '-') {
    const oh = digitsAt(s, next + 1, 2);
    const colon = s[next + 3] === ':' ? 1 : 0;
    const om = digitsAt(s, next + 3 + colon, 2);
    if (oh >= 0 && om >= 0) {
      const offset = (oh * 60 + om) * 60_000 * (zone === '+' ? 1 : -1);
      return [Date.UTC(year, month - 1, day, hms[0], hms[1], hms[2], ms) - offset, next + 5 + colon];
    }
  }
  return [localTime(year, month - 1, day, hms[0], hms[1], hms[2], ms), next];
}

/** `Mmm dd hh:mm:ss[.frac]` at `pos`; returns [time, next position]. */
function bsdTimeAt(s: string, pos: number, referenceTime: number): [number, number] | undefined {
  const month = MONTHS[s.slice(pos, pos + 3)];
  if (month === undefined || s[pos + 3] !== ' ') return undefined;
  let p = pos + 4;
  if (s[p] === ' ') p++; // `Dec  7`: the day padded with a space
  let day = digitsAt(s, p, 2);
  if (day >= 0) p += 2;
  else if ((day = digitsAt(s, p, 1)) >= 0) p += 1;
  if (day < 1 || day > 31 || s[p] !== ' ') return undefined;
  const hms = clock(s, p + 1);
  if (!hms) return undefined;
  const [ms, next] = fraction(s, p + 9);
  return [yearlessTime(referenceTime, month, day, hms[0], hms[1], hms[2], ms), next];
}

/** Host, then the tag, `[pid]` and the message, from `pos` (just after the timestamp's space). */
function hostAndTag(s: string, time: number, pos: number): SyslogLine | undefined {
  const hostEnd = s.indexOf(' ', pos);
  if (hostEnd <= pos) return undefined;
  const host = s.slice(pos, hostEnd);
  const start = hostEnd + 1;
  for (let i = start; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 58 /* : */) {
      if (i === start) break;
      return {time, host, program: s.slice(start, i), message: s.slice(s.charCodeAt(i + 1) === 32 ? i + 2 : i + 1)};
    }
    if (c === 91 /* [ */) {
      const close = s.indexOf(']', i);
      if (close < 0 || s[close + 1] !== ':' || i === start) break;
      const pidText = s.slice(i + 1, close);
      const pid = digitsAt(pidText, 0, pidText.length);
      const line: SyslogLine = {time, host, program: s.slice(start, i), message: s.slice(s.charCodeAt(close + 2) === 32 ? close + 3 : close + 2)};
      if (pid >= 0 && pidText.length > 0) line.pid = pid;
      return line;
    }
    if (c === 32) break;
  }
  // No tag (syslogd's `last message repeated 3 times`): a line, but of no program.
  return {time, host, program: '', message: s.slice(start)};
}

/** Skips RFC 5424 STRUCTURED-DATA (`-` or `[id k="v"]...`, with `\]` escapes) at `pos`; returns the next position. */
function skipStructuredData(s: string, pos: number): number {
  if (s[pos] === '-') return pos + 1;
  let p = pos;
  while (s[p] === '[') {
    let inQuotes = false;
    p++;
    for (; p < s.length; p++) {
      const c = s[p];
      if (c === '\\') p++;
      else if (c === '"') inQuotes = !inQuotes;
      else if (c === ']' && !inQuotes) break;
    }
    if (p >= s.length) return -1;
    p++;
  }
  return p;
}

/** RFC 5424 after `<PRI>1 ` (at `pos`). */
function rfc5424(s: string, pos: number): SyslogLine | undefined {
  const stamp = isoTimeAt(s, pos);
  if (!stamp || s[stamp[1]] !== ' ') return undefined;
  const fields: string[] = [];
  let p = stamp[1] + 1;
  for (let k = 0; k < 4; k++) { // HOSTNAME APP-NAME PROCID MSGID
    const end = s.indexOf(' ', p);
    if (end < 0) return undefined;
    fields.push(s.slice(p, end));
    p = end + 1;
  }
  const [host = '-', app = '-', procid = '-'] = fields;
  const sdEnd = skipStructuredData(s, p);
  if (sdEnd < 0) return undefined;
  let message = s.slice(s[sdEnd] === ' ' ? sdEnd + 1 : sdEnd);
  if (message.charCodeAt(0) === 0xfeff) message = message.slice(1); // RFC 5424 6.4: a BOM marks UTF-8
  const line: SyslogLine = {time: stamp[0], host: host === '-' ? '' : host, program: app === '-' ? '' : app, message};
  const pid = digitsAt(procid, 0, procid.length);
  if (pid >= 0 && procid.length > 0) line.pid = pid;
  return line;
}

/**
 * Splits one syslog line (without its line feed) into time, host, program, pid and message. `referenceTime`
 * (ms since the epoch; the file's mtime) gives RFC 3164 lines their year: the same year, or the one before
 * when the date would be more than a day after it. Returns undefined for a line in none of the formats.
 */
export function parseSyslogLine(line: string, referenceTime: number): SyslogLine | undefined {
  let pos = 0;
  if (line.charCodeAt(0) === 60 /* < */) {
    const close = line.indexOf('>');
    if (close < 2 || close > 4) return undefined;
    pos = close + 1;
    if (line[pos] === '1' && line[pos + 1] === ' ') return rfc5424(line, pos + 2);
  }
  const c = line.charCodeAt(pos);
  const stamp = c >= 48 && c <= 57 ? isoTimeAt(line, pos) : bsdTimeAt(line, pos, referenceTime);
  if (!stamp || line[stamp[1]] !== ' ') return undefined;
  return hostAndTag(line, stamp[0], stamp[1] + 1);
}
