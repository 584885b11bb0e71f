/**
 * A record built from the real Cyrus specimens (../shared/cyrus/specimens), the way `bonnie process`
 * builds it: queued through the Ingester in their capture order, then processed. Specimen numbers are
 * those of INDEX.tsv (1-based).
 */
import {readFileSync, readdirSync} from 'node:fs';
import {join} from 'node:path';
import {openCatalog, type Catalog} from '../../../../src/lib/base/catalog/catalog.js';
import {NoDirectory, type Directory} from '../../../../src/lib/sources/directory/types.js';
import {processQueue} from '../../../../src/lib/pipeline/process/engine.js';
import {Ingester} from '../../../../src/lib/pipeline/queue/ingest.js';
import {SPECIMENS} from '../../../helpers/paths.js';

const files = readdirSync(SPECIMENS)
  .filter((f) => f.endsWith('.json'))
  .sort();

export const ALL = files.map((_, i) => i + 1);

/** The specimen's bytes, optionally edited as JSON (to make a second folder or message like it). */
export function specimen(number: number, edit?: (event: Record<string, unknown>) => void): Uint8Array {
  const raw = readFileSync(join(SPECIMENS, files[number - 1] as string));
  if (edit === undefined) return raw;
  const event = JSON.parse(raw.toString('utf8')) as Record<string, unknown>;
  edit(event);
  return Buffer.from(JSON.stringify(event));
}

let received = 1_000;

/** Queues events (specimen numbers or edited bytes) and processes them. */
export async function feed(catalog: Catalog, events: Array<number | Uint8Array>, directory: Directory = new NoDirectory()): Promise<void> {
  new Ingester(catalog.db).ingest(events.map((e) => ({raw: typeof e === 'number' ? specimen(e) : e, receivedAt: received++, source: 'stdin' as const})));
  const summary = await processQueue(catalog, directory, {spillDir: '/nonexistent', maxAttempts: 3});
  if (summary.failed + summary.dead > 0) throw new Error(`processing failed: ${JSON.stringify(summary)}`);
}

/** A `:memory:` catalog holding the record of every specimen. */
export async function specimenRecord(): Promise<Catalog> {
  const catalog = openCatalog(':memory:', {create: true});
  await feed(catalog, ALL);
  return catalog;
}

/** Mailbox ids of the specimens' folders. */
export const INBOX = '76yzkoa5vpplgcimbgeofaee';
export const WORK = '8noufdk8233tibe0dudubmdt';
export const ARCHIVE = '8ebtmyxwubx2tgm3yxhzqbcl';
export const TRASH = 'eccjgkx7t05rcf2pib64ekhc';
/** Message 2 of user.alice ("Second message"). */
export const SECOND = 'Mb505991248156e00f911ba8c';

/** The Trash created again after its deletion: a new mailboxID under the old name. */
export const NEW_TRASH = 'n3wtrash5vpplgcimbgeofae';
export const IN_OLD_TRASH = 'M0123456789abcdef01234567';
export const IN_NEW_TRASH = 'M89abcdef0123456789abcdef';

/** An APPEND of a message with Message-ID <Reused@example.org> to UID 1 of a Trash folder. */
function appendToTrash(mailboxId: string, uidValidity: number, emailId: string, at: string): Uint8Array {
  return specimen(15, (e) => {
    Object.assign(e, {mailboxID: mailboxId, uri: `imap://imap.lab.test/user.alice.Trash;UIDVALIDITY=${uidValidity}/;UID=1`, timestamp: at, 'vnd.cmu.emailid': emailId});
    e['vnd.cmu.midset'] = ['<Reused@example.org>'];
    e['vnd.cmu.envelope'] = (e['vnd.cmu.envelope'] as string).replace(/"<First-message-\d+@example\.org>"/, '"<Reused@example.org>"');
  });
}

/**
 * Every specimen, plus a name used twice: user.alice.Trash gets a message (UID 1) before it is deleted,
 * then a new user.alice.Trash is created and gets another message as UID 1, with the same Message-ID.
 */
export async function reusedNameRecord(): Promise<Catalog> {
  const catalog = openCatalog(':memory:', {create: true});
  const recreate = specimen(9, (e) => Object.assign(e, {mailboxID: NEW_TRASH, uri: 'imap://imap.lab.test/user.alice.Trash;UIDVALIDITY=1795348500', timestamp: '2026-11-22T11:55:00.000Z'}));
  await feed(catalog, [
    ...ALL.filter((n) => n < 62),
    appendToTrash(TRASH, 1795348442, IN_OLD_TRASH, '2026-11-22T11:54:14.000Z'),
    ...ALL.filter((n) => n >= 62),
    recreate,
    appendToTrash(NEW_TRASH, 1795348500, IN_NEW_TRASH, '2026-11-22T11:55:01.000Z'),
  ]);
  return catalog;
}
