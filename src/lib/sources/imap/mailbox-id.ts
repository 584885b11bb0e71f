/**
 * Finding a folder by Cyrus' mailboxID over IMAP (RFC 8474 OBJECTID): `LIST "" <pattern> RETURN (STATUS
 * (MAILBOXID))` (RFC 5819 LIST-STATUS) gives each listed folder's mailboxID in one round trip. A name can
 * change under a job (a rename, a parent's rename that sent no event for its children); the mailboxID
 * cannot. imapflow's list() knows no MAILBOXID status item, hence the raw command.
 */
import type {ImapFlow} from 'imapflow';
import {BonnieError, errorMessage} from '../../base/errors.js';

type Attribute = {type?: string; value?: unknown} | Attribute[];

/**
 * The admin name (`user.alice.Clients.Alpha`) of the folder whose mailboxID is `mailboxId`, among those the
 * admin connection `client` lists for `patterns` (LIST wildcards); undefined when none is.
 */
export async function findByMailboxId(client: ImapFlow, mailboxId: string, patterns: readonly string[]): Promise<string | undefined> {
  const {decodePath} = await import('imapflow/lib/tools.js');
  const exec = (client as unknown as {exec: (command: string, attributes: unknown[], options: unknown) => Promise<{next: () => void}>}).exec.bind(client);
  for (const pattern of patterns) {
    let found: string | undefined;
    try {
      const response = await exec(
        'LIST',
        [{type: 'STRING', value: ''}, {type: 'STRING', value: pattern}, {type: 'ATOM', value: 'RETURN'}, [{type: 'ATOM', value: 'STATUS'}, [{type: 'ATOM', value: 'MAILBOXID'}]]],
        {
          untagged: {
            STATUS: async (untagged: {attributes?: Attribute[]}) => {
              const [name, items] = untagged.attributes ?? [];
              if (found !== undefined || name === undefined || !Array.isArray(items)) return;
              for (let i = 0; i + 1 < items.length; i += 2) {
                if (textOf(items[i])?.toUpperCase() !== 'MAILBOXID') continue;
                // RFC 8474: objectid is parenthesized, `MAILBOXID (F2212ea87-...)`.
                const value = items[i + 1];
                const id = Array.isArray(value) ? textOf(value[0]) : textOf(value);
                const path = textOf(name);
                if (id === mailboxId && path !== undefined) found = decodePath(client, path);
              }
            },
          },
        },
      );
      response.next();
    } catch (error) {
      const {responseStatus: status, responseText: text} = error as {responseStatus?: string; responseText?: string};
      if (status !== 'NO' && status !== 'BAD') {
        throw new BonnieError('ImapUnreachable', `the connection to the IMAP server failed: ${errorMessage(error)}`, {cause: error, hint: 'Check imap_url and that Cyrus is running.'});
      }
      throw new BonnieError('ImapListFailed', `LIST ${pattern} RETURN (STATUS (MAILBOXID)) failed: ${errorMessage(error)}${text ? `: ${text}` : ''}`, {
        cause: error,
        hint: 'bonnie needs Cyrus 3.0 or later (RFC 8474 MAILBOXID, RFC 5819 LIST-STATUS).',
      });
    }
    if (found !== undefined) return found;
  }
  return undefined;
}

/**
 * Where to look for a folder last known as `adminName`: its owner's folders (`user.alice`, `user.alice.*`,
 * with the domain of virtual domains), or every folder for a shared one.
 */
export function searchPatterns(adminName: string, separator: string): string[] {
  const domain = /@[^@]+$/.exec(adminName)?.[0] ?? '';
  const parts = adminName.slice(0, adminName.length - domain.length).split(separator);
  if (parts[0] !== 'user' || parts.length < 2) return ['*'];
  const top = `user${separator}${parts[1]}`;
  return [`${top}${domain}`, `${top}${separator}*${domain}`];
}

function textOf(attribute: Attribute | undefined): string | undefined {
  if (attribute === undefined || Array.isArray(attribute) || attribute.value === undefined || attribute.value === null) return undefined;
  const v = attribute.value;
  return Buffer.isBuffer(v) ? v.toString('utf8') : String(v);
}
