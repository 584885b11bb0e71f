/** The IMAP server a restore writes to: `--server` over `imap_url`, with the admin and password file of the configuration. */
import type {ImapSettings, Settings} from '../../base/config/settings.js';
import {BonnieError, EXIT} from '../../base/errors.js';

export function restoreServer(settings: Settings, server: string | undefined): ImapSettings;
export function restoreServer(settings: Settings, server: string | undefined, options: {dryRun: boolean}): ImapSettings | undefined;
/** With dryRun and nothing configured: undefined (the plan is made offline). */
export function restoreServer(settings: Settings, server: string | undefined, options: {dryRun: boolean} = {dryRun: false}): ImapSettings | undefined {
  const base = settings.imap;
  if (base === undefined && server === undefined && options.dryRun) return undefined;
  if (base === undefined) {
    throw new BonnieError('ImapNotConfigured', 'restoring into IMAP needs imap_url, imap_user and imap_password_file', {
      exit: EXIT.config,
      hint: 'Set them in /etc/bonnie/bonnie.conf (or BONNIE_IMAP_URL, BONNIE_IMAP_USER, BONNIE_IMAP_PASSWORD_FILE); the password is read from the file, never from the command line. Or write files with "bonnie export".',
    });
  }
  if (server === undefined) return base;
  let url: URL;
  try {
    url = new URL(server);
  } catch {
    throw new BonnieError('UsageInvalid', `--server ${server}: not a URL`, {exit: EXIT.usage, hint: 'Write imap://host[:port] or imaps://host[:port].'});
  }
  const secure = url.protocol === 'imaps:';
  if ((url.protocol !== 'imap:' && !secure) || url.hostname === '' || url.username !== '' || url.password !== '') {
    throw new BonnieError('UsageInvalid', `--server ${server}: expected imap://host[:port] or imaps://host[:port], without credentials`, {
      exit: EXIT.usage,
      hint: 'Credentials come from imap_user and imap_password_file, never from the command line.',
    });
  }
  return {...base, url: server, host: url.hostname.replace(/^\[|\]$/g, ''), port: url.port === '' ? (secure ? 993 : 143) : Number(url.port), secure};
}
