import {Flags} from '#oclif';
import {BonnieCommand} from '../lib/cli/base-command.js';
import {formatBytes} from '../lib/cli/live-progress.js';
import {openCatalog} from '../lib/base/catalog/catalog.js';
import {selectionFrom} from '../lib/cli/selection.js';
import {restoreFolders, type RestoreSummary} from '../lib/out/restore/imap-restore.js';
import {restoreServer} from '../lib/out/restore/server.js';
import {selectTargets} from '../lib/out/restore/targets.js';

const ONE_OF = ['mailbox', 'user', 'message'];

export default class RestoreCommand extends BonnieCommand {
  static override summary = 'Put a folder, a message or a user\'s mail back into IMAP, as it is or as it was at any moment.';
  static override description = `Computes what the folder held at --at (default: now) from the latest snapshot before that moment
("bonnie archive") and the record of every change since ("bonnie process"): which messages, with which
flags. Deleted folders and expunged messages come back too, since the archive keeps their bytes. Then,
over IMAP as imap_user acting as the folder's owner, creates the folder if missing and APPENDs each
message with its original flags and internal date, in UID order.

Idempotent: a message already in the destination (same Message-ID and size, or the same bytes) is not
appended again, so running a restore twice, or again after an interruption, creates no duplicate.

--into restores somewhere else (e.g. user.alice.Restored) instead of the original place; with --user the
folders keep their layout under it. --dry-run prints the plan and changes nothing (without imap_url it
is planned offline, without looking for what the destination already holds).

Limits: mail that was in a folder before bonnie was installed is known only from a snapshot; moments
before a folder's first snapshot show only what the record saw arrive. Events not yet processed are not
taken into account (the plan says so). Each folder's plan states what it is based on.

Messages a prune removed (bonnie prune --plan: retention) are not restored: each folder names them with
their tombstone (rule, when, plan) under "pruned", and the summary counts them.`;
  static override examples = [
    '<%= config.bin %> <%= command.id %> --mailbox user.alice.Sent --dry-run',
    '<%= config.bin %> <%= command.id %> --mailbox user.alice.Projects --at 2026-11-20T09:00Z --into user.alice.Restored',
    '<%= config.bin %> <%= command.id %> --message M9c44bebc02a85abc0c8606d6',
    '<%= config.bin %> <%= command.id %> --user alice --at 7d --json',
  ];
  static override flags = {
    mailbox: Flags.string({description: 'Restore this folder (admin form, as it was named at --at: user.alice.Sent).', exactlyOne: ONE_OF}),
    user: Flags.string({description: 'Restore every folder this user had at --at.', exactlyOne: ONE_OF}),
    message: Flags.string({description: 'Restore one message: a reference from "bonnie history", "audit" or "search" (emailid, <Message-ID>, folder:uid).', exactlyOne: ONE_OF}),
    at: Flags.string({description: 'The moment to restore: an ISO date or time (UTC unless a zone is given) or a duration back from now (7d, 12h). Default: now.'}),
    into: Flags.string({description: 'Restore into this folder (admin form) instead of the original place.'}),
    server: Flags.string({description: 'The IMAP server, imap://host[:port] or imaps://host[:port] (default: imap_url). Credentials always come from imap_user and imap_password_file.'}),
    'dry-run': Flags.boolean({description: 'Print the plan (folders, messages to append, already there, missing) and change nothing.'}),
    archive: Flags.string({description: 'The archive folder (overrides BONNIE_ARCHIVE and archive).'}),
  };

  async run(): Promise<RestoreSummary> {
    const {flags} = await this.parse(RestoreCommand);
    const settings = this.settings({catalog: flags.catalog, config: flags.config, archive: flags.archive}, {ldap: false});
    const imap = restoreServer(settings, flags.server, {dryRun: flags['dry-run']});
    const {selector, at} = selectionFrom(flags);
    const catalog = openCatalog(settings.catalog, {readOnly: true});
    const live = flags['dry-run'] ? undefined : await this.progress();
    try {
      const targets = selectTargets(catalog.db, selector, at);
      const summary = await restoreFolders(catalog, targets, {
        archiveDir: settings.archive,
        imap,
        into: flags.into,
        dryRun: flags['dry-run'],
        warn: (m) => this.warn(m),
        onProgress: (p) => live?.report({title: 'Restoring', done: p.appended, unit: 'messages', bytes: p.bytes, folder: `${p.folder} (${p.folderIndex} of ${p.folders})`}),
      });
      live?.done();
      if (!this.jsonEnabled()) this.log(renderRestore(summary));
      return summary;
    } finally {
      live?.done();
      catalog.close();
    }
  }
}

function renderRestore(s: RestoreSummary): string {
  const lines: string[] = [];
  for (const f of s.folders) {
    const basis = f.basis.snapshotAt === undefined ? 'the record only' : `the snapshot of ${new Date(f.basis.snapshotAt).toISOString()} and ${f.basis.placementsApplied} change(s) since`;
    lines.push(`${f.source} as at ${f.at} -> ${f.destination}${f.created ? (s.dryRun ? ' (would be created)' : ' (created)') : ''}`);
    lines.push(`  ${f.messages} message(s): ${f.appended} ${s.dryRun ? 'to append' : 'appended'}, ${f.alreadyThere} already there, ${f.missing.length} not in the archive${f.missing.length > 0 ? ` (UIDs ${f.missing.slice(0, 10).join(', ')}${f.missing.length > 10 ? ', ...' : ''})` : ''}`);
    for (const p of f.pruned.slice(0, 10)) lines.push(`  UID ${p.uid}: pruned by retention rule ${p.rule} at ${p.prunedAt} (plan ${p.planId})`);
    if (f.pruned.length > 10) lines.push(`  ... and ${f.pruned.length - 10} more pruned`);
    lines.push(`  based on ${basis}`);
    for (const limit of f.limits) lines.push(`  note: ${limit}`);
  }
  if (s.offline) lines.push('Planned without the server (imap_url is not set): messages already in a destination were not looked for.');
  lines.push(`${s.dryRun ? 'Dry run: nothing was changed. Would append' : 'Appended'} ${s.appended} message(s) (${formatBytes(s.bytes)}), ${s.alreadyThere} already there, ${s.missing} missing, ${s.pruned} pruned, in ${(s.elapsedMs / 1000).toFixed(1)} s.`);
  return lines.join('\n');
}
