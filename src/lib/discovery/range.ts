/** The bounds `bonnie audit` takes: times (absolute or relative to now) and client addresses. */
import {BlockList, isIP} from 'node:net';
import {parseDuration} from '../config/duration.js';
import {BonnieError, EXIT} from '../errors.js';

/** `2026-11-22`, `2026-11-22T11:54`, `2026-11-22 11:54:16.5`: no zone given, read as UTC like the record. */
const ZONELESS = /^(\d{4}-\d{2}-\d{2})(?:[T ](\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?))?$/;
/** Full ISO 8601 with a zone (`Z`, `+02:00`). */
const ZONED = /^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:?\d{2})$/i;

/**
 * A time bound as ISO 8601 UTC (the record's form, so that bounds compare as strings): an ISO date or
 * date-time (UTC unless a zone is given; a date alone is its midnight), or a duration before `now`
 * (`7d`, `12h`, `30m`). Throws BonnieError UsageInvalid.
 */
export function parseTimeBound(text: string, flag: string, now: Date): string {
  const trimmed = text.trim();
  const ago = parseDuration(trimmed);
  if (ago !== undefined) return new Date(now.getTime() - ago).toISOString();
  const zoneless = ZONELESS.exec(trimmed);
  const iso = zoneless !== null ? `${zoneless[1]}T${zoneless[2] ?? '00:00'}Z` : ZONED.test(trimmed) ? trimmed.replace(' ', 'T') : undefined;
  const ms = iso === undefined ? Number.NaN : Date.parse(iso);
  if (Number.isNaN(ms)) {
    throw new BonnieError('UsageInvalid', `${flag}: "${text}" is neither a date nor a duration`, {
      exit: EXIT.usage,
      hint: 'Write an ISO date or time (2026-11-22, 2026-11-22T11:54:00Z; UTC unless a zone is given) or a duration back from now (7d, 12h, 30m).',
    });
  }
  return new Date(ms).toISOString();
}

/** Client addresses to keep: one address or a CIDR block, IPv4 or IPv6. */
export interface AddressFilter {
  /** As given. */
  text: string;
  matches(address: string | null): boolean;
}

/** Parses `--ip`: an address (`192.0.2.7`, `2001:db8::1`) or a block (`192.0.2.0/24`). Throws UsageInvalid. */
export function parseAddressFilter(text: string): AddressFilter {
  const [address = '', prefix, extra] = text.trim().split('/');
  const family = isIP(address);
  const bits = prefix === undefined ? (family === 4 ? 32 : 128) : /^\d{1,3}$/.test(prefix) ? Number(prefix) : Number.NaN;
  if (family === 0 || extra !== undefined || !(bits >= 0 && bits <= (family === 4 ? 32 : 128))) {
    throw new BonnieError('UsageInvalid', `--ip: "${text}" is not an address or CIDR block`, {exit: EXIT.usage, hint: 'Write an address (192.0.2.7, 2001:db8::1) or a block (192.0.2.0/24).'});
  }
  const type = family === 4 ? 'ipv4' : 'ipv6';
  const list = new BlockList();
  list.addSubnet(address, bits, type);
  return {
    text,
    matches: (candidate) => {
      if (candidate === null) return false;
      // Cyrus may report IPv4 clients of a dual-stack socket as IPv4-mapped IPv6 (::ffff:192.0.2.7).
      const plain = family === 4 ? candidate.replace(/^::ffff:/i, '') : candidate;
      const candidateFamily = isIP(plain);
      return candidateFamily !== 0 && list.check(plain, candidateFamily === 4 ? 'ipv4' : 'ipv6');
    },
  };
}
