import {Flags} from '#oclif';
import {BonnieCommand} from '../lib/cli/base-command.js';
import {EXIT} from '../lib/base/errors.js';
import {openCatalog} from '../lib/base/catalog/catalog.js';
import {createDirectory} from '../lib/sources/directory/create-directory.js';
import {DlpRuntime} from '../lib/pipeline/dlp/runtime.js';
import {processQueue, type ProcessProgress, type ProcessSummary} from '../lib/pipeline/process/engine.js';
import {followQueue, type ProcessBatchLine} from '../lib/pipeline/process/follow.js';
import {renderProcessSummary} from '../lib/pipeline/process/render.js';
import {clock, followWriter} from '../lib/cli/follow-lines.js';
import {lineTime, type FollowLine} from '../lib/base/system/follow-lines.js';

export default class ProcessCommand extends BonnieCommand {
  static override summary = 'Turn queued events into the record: sessions, people, folders, messages, changelog.';
  static override description = `Drains the queue (and the spill folder) through one handler per Cyrus event type into the record:
sessions (Login/Logout paired by session id), people (by LDAP persistent id, or by login without LDAP),
folders and their history (names, ACLs), messages and their lineage across copies, moves and renames, and
the per-item changelog. Extends the evidence chain ("bonnie verify --events") and runs gap detection.

One run at a time per catalog: a run that finds another one working exits at once (status 0), so cron may
start it as often as it likes. A run killed at any point is completed by the next one, with the same
result, and the crash costs no job an attempt: a batch that keeps killing its run is halved at each crash
until the one event that kills it is found; after max_attempts runs killed with it alone, that event is
marked dead with the reason, and every other event is applied. Jobs that fail are retried later and are
marked dead after max_attempts. A run that marked jobs dead exits 1; "bonnie status" lists them.

When the DLP rule file (dlp_rules, /etc/bonnie/dlp.yaml by default) exists, its behaviour rules run over
each batch, in its transaction: mass_delete (min_count messages expunged by one person within a duration)
and shared_to_anyone (a folder's ACL lets anyone or anonymous, or an identifier of a domain outside
local_domains, read it), mass_read (min_count messages read by one person within a duration),
new_client_address (a login from a client address the record never saw that person use; not their first
login) and emptied_before_delete (an account deleted after min_count messages, and min_fraction of what it
held, were expunged within a duration) raise alerts ("bonnie dlp alerts"), one per burst, ACL change,
person and address, or deletion, never twice for the same events; each is also logged to syslog (facility
mail, ident bonnie-dlp) once its batch has committed, and mailed to dlp_notify through dlp_smtp when its
rule has the notify action (a mail that fails is retried by this run's later batches and by later runs,
backing off from a minute to an hour; the alert stays either way). With --follow, the rule file is read
again when it changes, when it appears after the start, or on SIGHUP (kill -HUP); one that does not load
is reported with its line and column (stderr and syslog) and the rules in force stay (a deleted file too).
A rule file that cannot be read or is invalid is reported on stderr and the run goes on without DLP (with
--follow, until the file loads).

From cron (every minute):
  * * * * *  cyrus  bonnie process --quiet
Or as a service: bonnie process --follow (see docs/systemd/bonnie-process.service).

On a terminal, a run shows its progress on stderr (events done of those due, rate). With --follow it
prints a line per batch on stderr when it runs on a terminal or with --verbose, and the summary when it
stops. With --follow --json, stdout carries JSON Lines, each written when it happens, whose "type" is
started (command, pid, catalog), batch (one per committed batch: jobs, done, failed, dead, and processed
since the start), warning (message; notificationId and event for an event applied with a warning) or
stopped (the summary of the whole run, as "bonnie process --json" prints it). Every line has "at" (ISO
8601 UTC). For example: bonnie process --follow --json | jq -c 'select(.type == "batch")'.`;
  static override examples = ['<%= config.bin %> <%= command.id %>', '<%= config.bin %> <%= command.id %> --limit 10000 --json', '<%= config.bin %> <%= command.id %> --follow', '<%= config.bin %> <%= command.id %> --follow --json | jq -c \'select(.type != "batch")\''];
  static override flags = {
    limit: Flags.integer({description: 'Process at most this many jobs.', min: 1}),
    follow: Flags.boolean({description: 'Keep running: process new events as they arrive, until SIGTERM or SIGINT.'}),
    'session-timeout': Flags.string({description: 'Close a session without Logout this long after its last event (e.g. 12h; default: session_timeout, 12h).'}),
    quiet: Flags.boolean({description: 'Print nothing when all went well or there was nothing to do (for cron); the summary is printed, on stderr, only when a job failed or died, an event was applied with a warning, or the run stopped early.', exclusive: ['verbose']}),
    verbose: Flags.boolean({description: 'With --follow: a line per batch on stderr, also when not on a terminal (a log).', dependsOn: ['follow']}),
  };

  async run(): Promise<ProcessSummary | undefined> {
    const {flags} = await this.parse(ProcessCommand);
    const settings = this.settings({catalog: flags.catalog, config: flags.config, sessionTimeoutMs: flags['session-timeout']});
    const catalog = openCatalog(settings.catalog);
    // The rule file, the bonnie-dlp log, the alert mails and, following, the rules' reload.
    const dlp = DlpRuntime.open(settings, (message) => this.warn(message), {follow: flags.follow});
    const directory = createDirectory(settings, {warn: (message) => this.warn(message)});
    // Following, batches are lines (a live display would never end); a single run shows live progress.
    const live = flags.follow ? undefined : await this.progress({quiet: flags.quiet});
    try {
      let failed = 0;
      let dead = 0;
      const options = {
        spillDir: settings.spill,
        maxAttempts: settings.maxAttempts,
        limit: flags.limit,
        sessionTimeoutMs: settings.sessionTimeoutMs,
        // Each new alert to syslog (facility mail, ident bonnie-dlp), masked samples only, then mailed to
        // dlp_notify when its rule has the notify action; a failure is retried by later runs.
        ...dlp.pipelineOptions(catalog.db),
        onProgress:
          live === undefined
            ? undefined
            : (p: ProcessProgress) => {
          failed += p.batch.failed;
          dead += p.batch.dead;
          live.report({title: 'Processing events', done: p.processed, total: p.total, unit: 'events', rows: failed + dead > 0 ? [['failed', `${failed}, ${dead} dead`]] : []});
        },
      };
      const json = this.jsonEnabled();
      const onLine = followWriter<ProcessFollowLine>({json, human: !flags.quiet && (flags.verbose || process.stderr.isTTY === true)}, renderLine);
      // Following, the rules are read again when their file changes or on SIGHUP; a bad file keeps the old
      // ones and says so (a "warning" line: on stdout under --json, else on stderr).
      if (flags.follow) dlp.followRules((message) => onLine({type: 'warning', at: lineTime(), message}));
      const summary = flags.follow ? await followQueue(catalog, directory, options, {onLine}) : await processQueue(catalog, directory, options);
      live?.done();
      if (!this.jsonEnabled() && !flags.quiet) this.log(renderProcessSummary(summary));
      // cron mails whatever is printed: under --quiet only what an operator must look at, on stderr.
      else if (!this.jsonEnabled() && needsAttention(summary)) this.logToStderr(renderProcessSummary(summary));
      // The record now lacks what those events carried: cron and systemd must see it, not only a log line.
      if (summary.dead > 0) process.exitCode = EXIT.failure;
      // Following with --json, the "stopped" line carried the summary: nothing more for oclif to print.
      return flags.follow && json ? undefined : summary;
    } finally {
      live?.done();
      await directory.close();
      catalog.close();
      await dlp.close();
    }
  }
}

type ProcessFollowLine = FollowLine<ProcessBatchLine, ProcessSummary>;

/** A follow line for a person (the summary at the end is printed whole). */
function renderLine(line: ProcessFollowLine): string | undefined {
  switch (line.type) {
    case 'started':
      return `bonnie process: following the queue of ${line.catalog}; SIGTERM or Ctrl-C stops`;
    case 'batch':
      return `${clock(line.at)} ${line.jobs} event(s): ${line.done} applied, ${line.failed} failed, ${line.dead} dead (${line.processed} since the start)`;
    case 'warning':
      return `bonnie: warning: ${line.notificationId === undefined ? '' : `notification ${line.notificationId} (${line.event}): `}${line.message}`;
    default:
      return undefined;
  }
}

/** Something an operator should look at: failed or dead jobs, events applied with a warning, a run cut short. */
function needsAttention(s: ProcessSummary): boolean {
  return s.failed + s.dead > 0 || s.warnings.length > 0 || s.stoppedBecause !== null;
}
