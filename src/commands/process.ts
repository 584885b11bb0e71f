import {Flags} from '#oclif';
import {BonnieCommand} from '../lib/cli/base-command.js';
import {EXIT} from '../lib/base/errors.js';
import {openCatalog} from '../lib/base/catalog/catalog.js';
import {createDirectory} from '../lib/sources/directory/create-directory.js';
import {processQueue, type ProcessSummary} from '../lib/pipeline/process/engine.js';
import {followQueue} from '../lib/pipeline/process/follow.js';
import {renderProcessSummary} from '../lib/pipeline/process/render.js';
import {progressBar} from '../lib/cli/progress.js';

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

From cron (every minute):
  * * * * *  cyrus  bonnie process --quiet
Or as a service: bonnie process --follow (see docs/systemd/bonnie-process.service).`;
  static override examples = ['<%= config.bin %> <%= command.id %>', '<%= config.bin %> <%= command.id %> --limit 10000 --json', '<%= config.bin %> <%= command.id %> --follow'];
  static override flags = {
    limit: Flags.integer({description: 'Process at most this many jobs.', min: 1}),
    follow: Flags.boolean({description: 'Keep running: process new events as they arrive, until SIGTERM or SIGINT.'}),
    'session-timeout': Flags.string({description: 'Close a session without Logout this long after its last event (e.g. 12h; default: session_timeout, 12h).'}),
    quiet: Flags.boolean({description: 'Print nothing when all went well or there was nothing to do (for cron); the summary is printed, on stderr, only when a job failed or died, an event was applied with a warning, or the run stopped early.'}),
  };

  async run(): Promise<ProcessSummary> {
    const {flags} = await this.parse(ProcessCommand);
    const settings = this.settings({catalog: flags.catalog, config: flags.config, sessionTimeoutMs: flags['session-timeout']});
    const catalog = openCatalog(settings.catalog);
    const directory = createDirectory(settings, {warn: (message) => this.warn(message)});
    try {
      const options = {
        spillDir: settings.spill,
        maxAttempts: settings.maxAttempts,
        limit: flags.limit,
        sessionTimeoutMs: settings.sessionTimeoutMs,
        onProgress: !this.jsonEnabled() && !flags.quiet && process.stderr.isTTY ? progressBar('processing') : undefined,
      };
      const summary = flags.follow ? await followQueue(catalog, directory, options) : await processQueue(catalog, directory, options);
      if (!this.jsonEnabled() && !flags.quiet) this.log(renderProcessSummary(summary));
      // cron mails whatever is printed: under --quiet only what an operator must look at, on stderr.
      else if (!this.jsonEnabled() && needsAttention(summary)) this.logToStderr(renderProcessSummary(summary));
      // The record now lacks what those events carried: cron and systemd must see it, not only a log line.
      if (summary.dead > 0) process.exitCode = EXIT.failure;
      return summary;
    } finally {
      await directory.close();
      catalog.close();
    }
  }
}

/** Something an operator should look at: failed or dead jobs, events applied with a warning, a run cut short. */
function needsAttention(s: ProcessSummary): boolean {
  return s.failed + s.dead > 0 || s.warnings.length > 0 || s.stoppedBecause !== null;
}
