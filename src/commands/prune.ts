import {Flags} from '#oclif';
import {BonnieCommand} from '../lib/cli/base-command.js';
import {openCatalog} from '../lib/base/catalog/catalog.js';
import {BonnieError} from '../lib/base/errors.js';
import {operatorName} from '../lib/pipeline/queue/actions.js';
import {renderPlan, renderPruned} from '../lib/pipeline/retention/render.js';
import {pruneDryRun} from '../lib/read/retention/dry-run.js';
import type {PrunePlan} from '../lib/read/retention/plan.js';
import {prunePlan, type PruneResult} from '../lib/read/retention/prune.js';

export default class PruneCommand extends BonnieCommand {
  static override summary = 'Delete what the retention rules let go: --dry-run makes a plan, --plan ID deletes it (segments repacked, a tombstone per message).';
  static override description = `--dry-run brings the search index up to date (it is the catalog's list of archived messages, their
folders and dates), then decides for each archived message (every folder it is or was in): the longest
applicable retention period wins; a keep rule, or a folder no rule covers, keeps it; a legal hold keeps it
whatever the rules say. It prints, per rule, how many messages it decides, how many have expired (and their
size as received) and how many of those are held, and what expires within 30 days; and per hold, what it
keeps. The plan is kept in the catalog under its id (a digest of the messages it would remove and of the
rules and holds in force). Nothing is deleted.

--plan ID deletes a plan's messages. It refuses a plan older than 7 days or than the last change to the
rules or holds (PrunePlanStale), and, with prune_approvers: 2, one no second administrator approved
(bonnie prune approve ID). Under the archive lock it checks every message again NOW: one a hold covers now,
or that is no longer expired, or already gone, is skipped and counted. Then, as restic's prune: the segments
holding them are copied without them into new segments, fsynced and read back (the copied bytes re-hashed
against those read, each member's header checked; with --read-data each message also decompressed and
re-hashed); one catalog transaction points the index at the copies, forgets the pruned messages, their
search entries and the archive's links to them (the places stay, naming the message as pruned), and
records a tombstone per message (hash, sizes, rule, plan, when, who) and a prune entry in the policy log's
hash chain; only then are the old segment files removed. Killed at any point, it loses nothing that must
stay: the next run (or archive writer) removes what it left. Without --dry-run or --plan, it refuses
(PruneNotConfirmed, exit 2).

--dry-run --json prints {id, at, messages, kept, expired, expiredBytes, held, heldBytes, rules: [{rule,
action, messages, expired, expiredBytes, held, expiringSoon, expiringSoonBytes}], holds: [{caseId, messages,
bytes}]}. --plan --json prints {planId, at, pruned, prunedBytes, prunedStoredBytes, segmentsRepacked,
segmentsWritten, bytesBefore, bytesAfter, freedBytes, searchEntries, links, rules: [{rule, messages,
bytes}], skipped: {held, notExpired, gone, segmentNotClosed, messages: [{sha256, reason}]}, recovered:
{orphanSegments, retiredSegments}}. Fields may be added, never removed or renamed.`;
  static override examples = [
    '<%= config.bin %> <%= command.id %> --dry-run',
    '<%= config.bin %> <%= command.id %> --dry-run --json',
    '<%= config.bin %> <%= command.id %> --plan 3f9c2a7d41e0b6c8',
    '<%= config.bin %> <%= command.id %> --plan 3f9c2a7d41e0b6c8 --json',
  ];
  static override flags = {
    'dry-run': Flags.boolean({description: 'Plan only: say what would be pruned, delete nothing.', exclusive: ['plan']}),
    plan: Flags.string({description: 'Delete the messages of this plan (its id, as --dry-run printed it), checked again now.', exclusive: ['dry-run']}),
    'read-data': Flags.boolean({description: 'With --plan: also decompress and re-hash every message copied into the new segments (slower), besides reading the copies back byte for byte.'}),
    archive: Flags.string({description: 'The archive folder (overrides BONNIE_ARCHIVE and archive).'}),
  };

  async run(): Promise<PrunePlan | PruneResult> {
    const {flags} = await this.parse(PruneCommand);
    if (!flags['dry-run'] && flags.plan === undefined) {
      throw new BonnieError('PruneNotConfirmed', 'bonnie prune deletes only a plan a dry run made, confirmed by its id', {
        hint: 'Run "bonnie prune --dry-run" to see what the retention rules let go, then "bonnie prune --plan ID" with the id it prints.',
      });
    }
    const settings = this.settings(flags);
    const catalog = openCatalog(settings.catalog);
    const live = await this.progress();
    try {
      if (flags.plan !== undefined) {
        const result = await prunePlan(catalog, settings.archive, flags.plan, {
          actor: operatorName(),
          approvers: settings.pruneApprovers,
          readData: flags['read-data'],
          onProgress:
            live === undefined
              ? undefined
              : (p) =>
                  p.phase === 'index'
                    ? live.report({title: 'Bringing the search index up to date', done: p.done, total: p.total, unit: 'messages'})
                    : live.report({title: 'Repacking segments', done: p.done, total: p.total, unit: 'segments', bytes: p.bytes, folder: p.segment}),
        });
        live?.done();
        if (!this.jsonEnabled()) this.log(renderPruned(result));
        return result;
      }
      const plan = await pruneDryRun(catalog, settings.archive, {
        actor: operatorName(),
        onProgress: live === undefined ? undefined : (p) => live.report({title: 'Bringing the search index up to date', done: p.done, total: p.total, unit: 'messages'}),
      });
      live?.done();
      if (!this.jsonEnabled()) this.log(renderPlan(plan));
      return plan;
    } finally {
      live?.done();
      catalog.close();
    }
  }
}
