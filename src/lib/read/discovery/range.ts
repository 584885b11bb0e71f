/** The bounds `bonnie audit` takes: times (absolute or relative to now) and client addresses. */
import {BlockList, isIP} from 'node:net';
import {parseInstant} from '../../base/config/dates.js';
import {BonnieError, EXIT} from '../../base/errors.js';

/**
 * A time bound in ms since the epoch (the record's form), parsed by the one date parser (config/dates.ts):
 * an ISO date or date-time, or a duration before `now`. Throws BonnieError UsageInvalid, also for a moment
 * after `now`.
 */
export function parseTimeBound(text: string, flag: string, now: Date): number {
  return parseInstant(text, flag, now);
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
