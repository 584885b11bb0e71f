import {Flags} from '#oclif';
import {resolve} from 'node:path';
import {BonnieCommand} from '../lib/cli/base-command.js';
import {openCatalog} from '../lib/base/catalog/catalog.js';
import {selectionFrom} from '../lib/cli/selection.js';
import {exportFolders, type ExportSummary} from '../lib/out/export/export.js';
import {EXPORT_FORMATS, type ExportFormat} from '../lib/out/export/layout.js';
import {renderExport} from '../lib/out/export/render.js';
import {selectTargets} from '../lib/out/restore/targets.js';

const ONE_OF = ['mailbox', 'user', 'message'];

export default class ExportCommand extends BonnieCommand {
  static override summary = 'Export a folder, a message or a user\'s mail to files (eml, mbox, Maildir, tar.zst), as it is or as it was at any moment.';
  static override description = `Computes what each folder held at --at (default: now), exactly as "bonnie restore" does (the latest
snapshot before that moment and the record of every change since), reads each message's bytes back from
the archive (re-hashed: an export holds exactly what was archived) and writes them to --out:

  eml      --out/<folder>/<uid>.eml: one file per message, dated with its internal date.
  mbox     --out/<folder>.mbox: one mboxrd file per folder. Lines that are ">"s then "From " get one
           more ">", so an mboxrd reader gets every message back byte for byte (mutt and Thunderbird
           show the extra ">"). No Status or X-Status header is added: the flags are in the manifest.
  maildir  --out/<folder>/{cur,new,tmp}, each message in cur/ as <date>.<uid>_bonnie.<host>:2,<flags>
           (D \\Draft, F \\Flagged, P $Forwarded, R \\Answered, S \\Seen, T \\Deleted), dated with its
           internal date. Other keywords are only in the manifest.
  tar.zst  the eml layout in one zstd-compressed tar, written as a stream, every member under a folder
           named after the file: "tar --zstd -xf alice.tar.zst" or "zstd -d < alice.tar.zst | tar -x"
           gives alice/. The SHA-256 of the .tar.zst itself is printed, to record with it.

Folders are named as the user sees them: user.alice is INBOX, user.alice.Sent is Sent,
user.alice.Projects.2026 is Projects/2026; other folders keep their name (shared.Sales is shared/Sales).
Characters that cannot be in a file name, "%" itself and names like ".." are written %XX.

Every export has manifest.json (bonnie's version, the export time, --at, the selector; for each folder
its name, mailboxID, UIDVALIDITY and what its state is based on; for each message its folder, UID, flags
and keywords, internal date, size, SHA-256 and file) and SHA256SUMS: "sha256sum -c SHA256SUMS" in the
export's folder checks every file. For tar.zst both are the last members of the tar. Messages the folder
held whose bytes the archive lacks are listed in the manifest ("missing") and the summary; those a prune
removed (retention) say so, with their tombstone (rule, when, plan), and are counted in "pruned".

--out must be a new name in an existing folder, or an empty folder (for tar.zst: a new file): an
export never overwrites anything. Files are created 0640, folders 0750. The manifest is written last: a folder without one holds
an export that did not finish (a tar.zst that did not finish is removed).`;
  static override examples = [
    '<%= config.bin %> <%= command.id %> --mailbox user.alice.Sent --format mbox --out /srv/exports/alice-sent',
    '<%= config.bin %> <%= command.id %> --user alice --at 2026-11-20T09:00Z --format tar.zst --out /srv/exports/alice.tar.zst',
    '<%= config.bin %> <%= command.id %> --message M9c44bebc02a85abc0c8606d6 --format eml --out ./evidence',
    '<%= config.bin %> <%= command.id %> --user alice --at 7d --format maildir --out ./alice --json',
  ];
  static override flags = {
    mailbox: Flags.string({description: 'Export this folder (admin form, as it was named at --at: user.alice.Sent).', exactlyOne: ONE_OF}),
    user: Flags.string({description: 'Export every folder this user had at --at.', exactlyOne: ONE_OF}),
    message: Flags.string({description: 'Export one message: a reference from "bonnie history", "audit" or "search" (emailid, <Message-ID>, folder:uid).', exactlyOne: ONE_OF}),
    at: Flags.string({description: 'The moment to export: an ISO date or time (UTC unless a zone is given) or a duration back from now (7d, 12h). Default: now.'}),
    format: Flags.string({description: 'The output format.', options: [...EXPORT_FORMATS], required: true}),
    out: Flags.string({description: 'Where to write: a new or empty folder (eml, mbox, maildir), or a new file (tar.zst).', required: true}),
    archive: Flags.string({description: 'The archive folder (overrides BONNIE_ARCHIVE and archive).'}),
  };

  async run(): Promise<ExportSummary> {
    const {flags} = await this.parse(ExportCommand);
    const settings = this.settings({catalog: flags.catalog, config: flags.config, archive: flags.archive}, {ldap: false});
    const {selector, at} = selectionFrom(flags);
    const catalog = openCatalog(settings.catalog, {readOnly: true});
    let live = await this.progress();
    try {
      const targets = selectTargets(catalog.db, selector, at);
      const summary = await exportFolders(catalog, targets, {
        archiveDir: settings.archive,
        format: flags.format as ExportFormat,
        out: resolve(flags.out),
        selector,
        at,
        bonnieVersion: this.config.version,
        onProgress: (p) => live?.report({title: 'Exporting', done: p.exported, unit: 'messages', bytes: p.bytes, folder: `${p.folder} (${p.folderIndex} of ${p.folders})`}),
      });
      // done() draws the last state again: once, before the report (the finally is for failures).
      live?.done();
      live = undefined;
      if (!this.jsonEnabled()) this.log(renderExport(summary));
      return summary;
    } finally {
      live?.done();
      catalog.close();
    }
  }
}
