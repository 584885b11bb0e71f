import {Flags} from '#oclif';
import {BonnieCommand} from '../../lib/cli/base-command.js';
import {openCatalog} from '../../lib/base/catalog/catalog.js';
import {listJobs, type JobListing} from '../../lib/pipeline/queue/job-admin.js';
import {JOB_STATES, type JobState} from '../../lib/pipeline/queue/jobs.js';
import {renderJobs} from '../../lib/pipeline/queue/render.js';

export default class QueueListCommand extends BonnieCommand {
  static override summary = 'List jobs with their event, folder, attempts and last error (by default those that failed or are dead).';
  static override description = `Each job is one accepted notification ("bonnie process" applies it to the record). Jobs are named by
their notification id, oldest first, with the event type, the folder (from the event's URI) and Cyrus'
mailboxID, when the event was received, the job's own failed attempts, the runs that died while holding
it (crashes), the last error, when a failed job is tried again, and who re-queued it before. Opens the
catalog read-only.`;
  static override examples = [
    '<%= config.bin %> <%= command.id %>',
    '<%= config.bin %> <%= command.id %> --state dead --json',
    '<%= config.bin %> <%= command.id %> --state pending --limit 20',
  ];
  static override flags = {
    state: Flags.string({description: 'List jobs in this state (repeat for several). Default: failed and dead.', options: [...JOB_STATES], multiple: true}),
    limit: Flags.integer({helpValue: 'N', description: 'Show at most this many jobs.', min: 1, default: 100}),
  };

  async run(): Promise<JobListing> {
    const {flags} = await this.parse(QueueListCommand);
    const settings = this.settings(flags);
    const catalog = openCatalog(settings.catalog, {readOnly: true});
    try {
      const states = (flags.state ?? ['failed', 'dead']) as JobState[];
      const listing = listJobs(catalog.db, [...new Set(states)], flags.limit);
      if (!this.jsonEnabled()) this.log(renderJobs(listing));
      return listing;
    } finally {
      catalog.close();
    }
  }
}
