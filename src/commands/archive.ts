import {Flags} from '#oclif';
import {BonnieCommand} from '../lib/cli/base-command.js';
import {rateNote} from '../lib/cli/rate.js';
import {openCatalog} from '../lib/base/catalog/catalog.js';
import {BonnieError, EXIT} from '../lib/base/errors.js';
import {formatBytes} from '../lib/cli/live-progress.js';
import {indexAfterWrite} from '../lib/read/search/after-write.js';
import type {UpdateSummary} from '../lib/read/search/update.js';
import {archiveFolders, type ArchiveSummary} from '../lib/pipeline/snapshot/archiver.js';
import {ImapSource} from '../lib/pipeline/snapshot/imap-source.js';
import {SpoolSource} from '../lib/pipeline/snapshot/spool-source.js';
import type {FolderSource} from '../lib/pipeline/snapshot/source.js';
import {parseSelector} from '../lib/core/selector.js';

export default class ArchiveCommand extends BonnieCommand {
  static override summary = 'Archive mail that already exists, and record each folder\'s state as a snapshot.';
  static override description = `Archives the messages of the folders named (--mailbox, --user, --all) or one message (--message), also
mail that was there before bonnie was installed, and records each folder's state as a snapshot: its
UIDVALIDITY and HIGHESTMODSEQ, and for every message its UID, flags, internal date and size, which is what
"bonnie restore" puts back.

From the spool (the default): run on the IMAP host as the cyrus user. Folders are found in the partitions
(spool, partitions), their state read from cyrus.index (Cyrus 3.2 to 3.6) and each message from its file,
checked against Cyrus' own SHA-1 of it. The spool also holds what IMAP no longer shows: messages expunged
but not yet removed by cyr_expire are archived too, marked expunged in the snapshot.

--from imap: from any host, over IMAP (imap_url), logged in as imap_user (an admin) acting as each folder's
owner; folders are only EXAMINEd, nothing in them changes. Folder annotations listed in folder_metadata are
recorded with the snapshot (GETMETADATA).

Incremental: a message already archived (by an earlier run or the collector) is not read again, a folder
unchanged since its last snapshot gets no new one, and a message is stored once however many folders hold
it. Folder names are the admin form events use: user.alice, user.alice.Sent (user.alice@example.com with
virtual domains).

Prints the folders and messages archived, the bytes read and stored and the time taken (the rates, msg/s
and bytes/s, only for a run of at least 100 messages and a second), then the search index's update; --json
prints the counts, bytes and elapsedMs as one object, the index's update under "search" (null with
--no-index).`;
  static override examples = [
    'sudo -u cyrus <%= config.bin %> <%= command.id %> --all',
    '<%= config.bin %> <%= command.id %> --user alice --json',
    '<%= config.bin %> <%= command.id %> --mailbox user.alice.Sent --from imap',
    '<%= config.bin %> <%= command.id %> --message user.alice:42',
  ];
  static override flags = {
    mailbox: Flags.string({description: 'Archive this folder (admin form: user.alice.Sent).', exactlyOne: ['mailbox', 'user', 'all', 'message']}),
    user: Flags.string({description: 'Archive every folder of this user (their login).', exactlyOne: ['mailbox', 'user', 'all', 'message']}),
    all: Flags.boolean({description: 'Archive every folder.', exactlyOne: ['mailbox', 'user', 'all', 'message']}),
    message: Flags.string({description: 'Archive one message: <mailbox>:<uid>, e.g. user.alice:42.', exactlyOne: ['mailbox', 'user', 'all', 'message']}),
    from: Flags.string({description: 'Where to read the mail: spool (Cyrus\' files, as the cyrus user) or imap (imap_url).', options: ['spool', 'imap'], default: 'spool'}),
    spool: Flags.string({description: 'Cyrus\' partition root, imapd.conf\'s partition-default (overrides BONNIE_SPOOL and spool).'}),
    archive: Flags.string({description: 'The archive folder (overrides BONNIE_ARCHIVE and archive).'}),
    index: Flags.boolean({description: 'Bring the search index up to date afterwards (--no-index: leave it to the next "bonnie search").', default: true, allowNo: true}),
  };

  async run(): Promise<ArchiveSummary & {search: UpdateSummary | null}> {
    const {flags} = await this.parse(ArchiveCommand);
    const selector = parseSelector(flags, {message: 'placement'});
    const settings = this.settings({catalog: flags.catalog, config: flags.config, spool: flags.spool, archive: flags.archive}, {ldap: false});
    let source: FolderSource;
    if (flags.from === 'imap') {
      if (settings.imap === undefined) {
        throw new BonnieError('ImapNotConfigured', '--from imap needs imap_url', {
          exit: EXIT.config,
          hint: 'Set imap_url (e.g. imap://localhost), imap_user and imap_password_file in /etc/bonnie/bonnie.conf, or archive from the spool as the cyrus user.',
        });
      }
      source = new ImapSource(settings.imap, {metadata: settings.folderMetadata, warn: (m) => this.warn(m)});
    } else source = new SpoolSource([settings.spool, ...settings.partitions]);

    const catalog = openCatalog(settings.catalog);
    const live = await this.progress();
    try {
      const summary = await archiveFolders(catalog, source, selector, {
        archiveDir: settings.archive,
        warn: (m) => this.warn(m),
        onProgress: (p) =>
          live?.report({title: `Archiving from ${source.kind}`, done: p.messages, unit: 'messages', bytes: p.bytesRead, folder: `${p.folder} (${p.folderIndex} of ${p.folders})`}),
      });
      live?.done();
      const search = flags.index ? await indexAfterWrite(catalog, settings.archive, (m) => this.warn(m)) : undefined;
      if (!this.jsonEnabled()) {
        this.log(renderSummary(summary));
        if (search !== undefined && search.locations > 0) this.log(`Indexed ${search.locations} message(s) for search in ${(search.elapsedMs / 1000).toFixed(1)} s.`);
      }
      return {...summary, search: search ?? null};
    } finally {
      live?.done();
      await source.close();
      catalog.close();
    }
  }
}

function renderSummary(s: ArchiveSummary): string {
  const seconds = Math.max(s.elapsedMs / 1000, 0.001);
  const took = s.elapsedMs < 1000 ? `${s.elapsedMs} ms` : `${seconds.toFixed(1)} s`;
  const ratio = s.bytesRead > 0 ? ` (${((s.bytesStored / s.bytesRead) * 100).toFixed(1)}% of what was read)` : '';
  const lines = [
    `Archived ${s.folders} folder(s) from the ${s.source}: ${s.snapshots} snapshot(s) recorded, ${s.foldersUnchanged} unchanged since the last one.`,
    `${s.messages} message(s): ${s.read} read (${s.stored} stored, ${s.alreadyStored} already in the archive), ${s.alreadyArchived} archived before, ${s.unrecoverable} unrecoverable.`,
    s.read === 0
      ? `Nothing needed reading (${took}).`
      : `Read ${formatBytes(s.bytesRead)}, stored ${formatBytes(s.bytesStored)}${ratio}, in ${took}${rateNote(s.read, s.elapsedMs, 'msg', [`${formatBytes(s.bytesRead / seconds)}/s`])}.`,
  ];
  if (s.checksumMismatches > 0) lines.push(`${s.checksumMismatches} file(s) did not match Cyrus' checksum (see the warnings above).`);
  return lines.join('\n');
}
