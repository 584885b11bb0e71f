import {mkdtempSync, rmSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {Flags} from '#oclif';
import {BonnieCommand} from '../lib/cli/base-command.js';
import {rateNote} from '../lib/cli/rate.js';
import {BonnieError, EXIT} from '../lib/base/errors.js';
import {createDirectory} from '../lib/sources/directory/create-directory.js';
import {rebuildCatalog, type RebuildProgress, type RebuildSummary} from '../lib/pipeline/rebuild/rebuild.js';
import {updateSearch} from '../lib/read/search/update.js';

const TITLES: Record<RebuildProgress['phase'], [string, string]> = {
  segments: ['Reading the segments', 'segments'],
  record: ['Processing events', 'events'],
  search: ['Indexing for search', 'messages'],
};

export default class RebuildCommand extends BonnieCommand {
  static override summary = 'Make a new catalog from the archive\'s segments alone (archive format 2).';
  static override description = `Recreates a catalog from the archive folder alone, for when the catalog is lost: the archive index (every
segment read, every message re-hashed), the accepted notifications with their evidence chain (checked link
by link: a break stops the rebuild, exit 5), the snapshots, the links of messages to their blobs, then the
record ("bonnie process" runs over every notification again) and the search index.

--catalog names the NEW catalog: it must not exist. The work is done in <catalog>.rebuilding, renamed at
the end: a rebuild killed at any point leaves no catalog, and running it again gives the same result.
Run "bonnie verify" on the new catalog, then move it into place.

The segments carry what the writers ("bonnie collector", "bonnie archive") added by their last run
(docs/FORMAT.md, archive formats 2 and 3): notifications once "bonnie process" chained them, snapshots and
links; the policy log (retention rules, legal holds, approvals), prune plans and tombstones, DLP alerts with
their chain and acknowledgements, quarantined deliveries and operator actions. Not carried, so not rebuilt:
the maillog ("bonnie maillog" reads the logs again), open gaps, the DLP mail outbox, reconcile jobs. Split
messages (format 3) are reassembled and re-hashed whole; one that does not give back its message is skipped
and reported like a damaged blob. A format 1 archive (before bonnie-archive.json) gives the blob index only.`;
  static override examples = [
    '<%= config.bin %> <%= command.id %> --archive /var/lib/bonnie/archive --catalog /var/lib/bonnie/rebuilt.db',
    '<%= config.bin %> <%= command.id %> --archive /srv/archive --catalog /tmp/rebuilt.db --json',
  ];
  static override flags = {
    archive: Flags.string({description: 'The archive folder to read (overrides BONNIE_ARCHIVE and archive).'}),
    index: Flags.boolean({description: 'Build the search index too (--no-index: leave it to the first "bonnie search").', default: true, allowNo: true}),
  };

  async run(): Promise<RebuildSummary> {
    const {flags} = await this.parse(RebuildCommand);
    if (flags.catalog === undefined) {
      throw new BonnieError('UsageInvalid', 'bonnie rebuild needs --catalog: the new catalog to create', {exit: EXIT.usage, hint: 'e.g. bonnie rebuild --archive /var/lib/bonnie/archive --catalog /var/lib/bonnie/rebuilt.db'});
    }
    const settings = this.settings({catalog: flags.catalog, config: flags.config, archive: flags.archive});
    const directory = createDirectory(settings, {warn: (message) => this.warn(message)});
    const spillDir = mkdtempSync(join(tmpdir(), 'bonnie-rebuild-spill-'));
    const live = await this.progress();
    try {
      const summary = await rebuildCatalog({
        archiveDir: settings.archive,
        catalogPath: settings.catalog,
        directory,
        spillDir,
        maxAttempts: settings.maxAttempts,
        sessionTimeoutMs: settings.sessionTimeoutMs,
        finish: flags.index
          ? async (catalog) => {
              await updateSearch(catalog, settings.archive);
            }
          : undefined,
        onProgress: (p) => live?.report({title: TITLES[p.phase][0], done: p.done, total: p.total, unit: TITLES[p.phase][1]}),
      });
      live?.done();
      if (!this.jsonEnabled()) this.log(renderSummary(summary));
      return summary;
    } finally {
      live?.done();
      rmSync(spillDir, {recursive: true, force: true});
      await directory.close();
    }
  }
}

function renderSummary(s: RebuildSummary): string {
  const seconds = Math.max(s.elapsedMs / 1000, 0.001);
  const lines = [
    `Rebuilt ${s.catalog} from ${s.segments} segment(s) (archive format ${s.archiveFormat}) in ${seconds.toFixed(1)} s:`,
    `${s.blobs} message(s) indexed${rateNote(s.blobs, s.elapsedMs, 'msg')}, ${s.notifications} notification(s) with ${s.chainLinks} chain link(s) checked, ${s.snapshots} snapshot(s), ${s.links} link(s).`,
    `Record: ${s.process.done} event(s) processed, ${s.process.failed} failed, ${s.process.dead} dead.`,
    `Policy log: ${s.carried.logEntries} entr${s.carried.logEntries === 1 ? 'y' : 'ies'} checked (${s.carried.rules} rule(s), ${s.carried.holds} hold(s), ${s.carried.approvals} approval(s) made again), ${s.carried.plans} prune plan(s), ${s.carried.tombstones} tombstone(s); DLP: ${s.carried.alerts} alert(s) checked, ${s.carried.alertAcks} acknowledgement(s); ${s.carried.quarantine} quarantined deliver${s.carried.quarantine === 1 ? 'y' : 'ies'}, ${s.carried.queueActions} operator action(s).`,
  ];
  if (s.openSegments > 0) lines.push(`${s.openSegments} segment(s) had no end blocks (a writer died): indexed open, the next writer seals them.`);
  for (const k of s.skipped) lines.push(`skipped ${k.name} in ${k.segment} at offset ${k.offset}: ${k.reason}`);
  return lines.join('\n');
}
