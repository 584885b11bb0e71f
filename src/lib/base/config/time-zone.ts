/**
 * The time zone in which timestamps without one are read (traditional syslog lines: `Dec  7 10:00:00`).
 * Node reads local time through the TZ environment variable and notices a change made at run time, so a
 * command that reads another host's logs sets it for itself before it parses anything.
 */
import {BonnieError, EXIT} from '../errors.js';

/** Makes `zone` (an IANA name: Europe/Berlin, UTC) this process' local time zone. Throws UsageInvalid naming `flag`. */
export function useTimeZone(zone: string, flag: string): void {
  try {
    // Throws a RangeError for a name the IANA database (ICU's copy) does not know.
    new Intl.DateTimeFormat('en', {timeZone: zone});
  } catch {
    throw new BonnieError('UsageInvalid', `${flag}: "${zone}" is not a time zone`, {
      exit: EXIT.usage,
      hint: 'Name it as the IANA time zone database does: UTC, Europe/Berlin, America/New_York (timedatectl list-timezones lists them).',
    });
  }
  process.env.TZ = zone;
}
