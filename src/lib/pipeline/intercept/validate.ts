/** Checks of what an administrator types for a warrant: LIID, country codes, handover URLs. */
import {BonnieError} from '../../base/errors.js';

/**
 * ETSI TS 102 232-1 / TS 101 671: a LIID is 1 to 25 characters. bonnie also keeps it to printable ASCII
 * without blanks, so that it is one word in a log line and in a file name.
 */
const LIID = /^[\x21-\x7e]{1,25}$/;

/** Returns the LIID or throws InterceptInvalid. */
export function checkLiid(liid: string): string {
  if (!LIID.test(liid)) {
    throw invalid(`--liid "${liid}" is not a LIID`, 'A LIID (given by the agency) is 1 to 25 printable characters without blanks (ETSI TS 102 232-1).');
  }
  return liid;
}

// ICU's region list (Node's full-icu, updated with Node): a code it does not know is returned as given.
// ZZ ("unknown region") and the EU/UN groupings are not countries.
const regions = new Intl.DisplayNames(['en'], {type: 'region'});
const NOT_COUNTRIES = new Set(['ZZ', 'EU', 'EZ', 'UN', 'QO']);

/** Returns an ISO 3166-1 alpha-2 country code in upper case, or throws InterceptInvalid naming `flag`. */
export function checkCountry(code: string, flag: string): string {
  const upper = code.trim().toUpperCase();
  const known = /^[A-Z]{2}$/.test(upper) && !NOT_COUNTRIES.has(upper) && regions.of(upper) !== upper;
  if (!known) throw invalid(`${flag} "${code}" is not an ISO 3166-1 country code`, 'Write the two letters of the country, e.g. DE, FR, GB.');
  return upper;
}

/** Returns `tcp://host:port` normalised (WHATWG URL), or throws InterceptInvalid naming `flag`. */
export function checkTcpUrl(text: string, flag: string): string {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw invalid(`${flag} "${text}" is not a URL`, `Write tcp://host:port, e.g. ${flag} tcp://192.0.2.10:9001.`);
  }
  const clean = url.protocol === 'tcp:' && url.hostname !== '' && url.port !== '' && url.username === '' && url.password === '' && (url.pathname === '' || url.pathname === '/') && url.search === '' && url.hash === '';
  if (!clean) throw invalid(`${flag} "${text}" is not tcp://host:port`, `Write tcp://host:port and nothing else, e.g. ${flag} tcp://192.0.2.10:9001.`);
  return `tcp://${url.host}`;
}

export function invalid(message: string, hint: string): BonnieError {
  return new BonnieError('InterceptInvalid', message, {hint});
}

/** serve's --keep-delivered: whole days in ms, undefined for `forever`. */
export function checkKeepDelivered(value: string): number | undefined {
  if (value === 'forever') return undefined;
  const days = Number(value);
  if (value.trim() === '' || !Number.isInteger(days) || days < 0) {
    throw invalid(`--keep-delivered ${value} is not a number of days`, 'Give whole days (0: a PDU\'s bytes are dropped once delivered) or forever.');
  }
  return days * 86_400_000;
}
