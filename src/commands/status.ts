import {Flags} from '#oclif';
import {BonnieCommand} from '../lib/cli/base-command.js';
import {openCatalog} from '../lib/base/catalog/catalog.js';
import {catalogFailure} from '../lib/base/catalog/sqlite-errors.js';
import {BonnieError, EXIT, errorMessage} from '../lib/base/errors.js';
import {DEFAULT_THRESHOLDS} from '../lib/read/status/health.js';
import {NAGIOS_EXIT, nagiosLine, renderNagios} from '../lib/read/status/nagios.js';
import {readStatus, type Status} from '../lib/read/status/status.js';
import {renderStatus} from '../lib/read/status/render.js';

export default class StatusCommand extends BonnieCommand {
  static override summary = 'Show the queue, the quarantine, the spill folder and the archive, and whether anything needs attention.';
  static override description = `Counts jobs by state (pending, claimed, done, failed, dead), quarantined input, the age of the
oldest pending job, files waiting in the spill folder and the capture journal, the archive, snapshots and
gaps, and the catalog's path, size and schema version. Opens the catalog read-only.

It also judges the health of the whole, for monitoring: ok, warning or critical, with one reason per
problem ("health" in --json, with stable reason codes).

Warning (exit status 6): open gaps (GapsOpen; a gap the collector reconciled, its folder re-read and
archived, is settled and not counted: gaps.reconciled); quarantined deliveries not requeued or acknowledged, or
delivered again since (QuarantineNeedsReview); jobs that failed and wait for a retry (JobsFailed); spill
files waiting to be drained (SpillWaiting); capture journal files left by a daemon that is gone
(JournalWaiting); a job pending for longer than --pending-age since it was received or re-queued
(Backlog).

Critical (exit status 7): dead jobs (JobsDead); broken segments (SegmentsBroken); failed reconcile jobs
(ReconcileFailed); reconcile jobs given up or messages the collector could not get in the last
--recent-hours (ReconcileDead, CollectUnrecoverable). A catalog that cannot be opened or read exits 4.

Healthy: exit status 0. Critical wins over warning.

--nagios prints one line for Nagios, Icinga or any Monitoring Plugins host ("BONNIE OK - ... | perfdata")
and exits as plugins do: 0 OK, 1 WARNING, 2 CRITICAL (a catalog that cannot be read included),
3 UNKNOWN.`;
  static override examples = [
    '<%= config.bin %> <%= command.id %>',
    '<%= config.bin %> <%= command.id %> --json',
    '<%= config.bin %> <%= command.id %> --nagios --pending-age 900',
    'BONNIE_CATALOG=./demo/catalog.db <%= config.bin %> <%= command.id %>',
  ];
  /** Rendered in bonnie-status(1), EXIT STATUS (scripts/gen-man.js). */
  static exitStatus: ReadonlyArray<readonly [number, string]> = [
    [EXIT.ok, 'Healthy: nothing needs attention.'],
    [EXIT.warning, 'Warning: something needs attention (the reasons are printed, and in --json under health.reasons).'],
    [EXIT.critical, 'Critical: something is broken or was given up.'],
    [EXIT.catalog, 'The catalog cannot be opened or read.'],
    [NAGIOS_EXIT.ok, 'With --nagios: OK.'],
    [NAGIOS_EXIT.warning, 'With --nagios: WARNING.'],
    [NAGIOS_EXIT.critical, 'With --nagios: CRITICAL, the catalog cannot be read included (and, as for every command, bad usage).'],
    [NAGIOS_EXIT.unknown, 'With --nagios: UNKNOWN, status could not be judged (an invalid configuration, an unexpected error).'],
  ];
  static override flags = {
    nagios: Flags.boolean({description: 'Print one Nagios plugin line (status, reasons, perfdata) and exit 0, 1, 2 or 3.', exclusive: ['json']}),
    'pending-age': Flags.integer({description: 'Warn (Backlog) when a job has been pending longer than this many seconds.', min: 1, default: DEFAULT_THRESHOLDS.pendingAgeSeconds}),
    'recent-hours': Flags.integer({description: 'Reconcile jobs given up and messages the collector could not get are critical for this many hours.', min: 1, default: DEFAULT_THRESHOLDS.recentHours}),
  };

  async run(): Promise<Status | undefined> {
    const {flags} = await this.parse(StatusCommand);
    const thresholds = {pendingAgeSeconds: flags['pending-age'], recentHours: flags['recent-hours']};
    if (!flags.nagios) {
      const status = this.read(flags, thresholds);
      if (!this.jsonEnabled()) this.log(renderStatus(status));
      process.exitCode = status.health.exit;
      return status;
    }
    // A monitoring host reads one line and the exit status, whatever happens; a catalog it cannot read is
    // the most critical state of all.
    try {
      const {line, exit} = renderNagios(this.read(flags, thresholds));
      this.log(line);
      process.exitCode = exit;
    } catch (error) {
      const known = error instanceof BonnieError && error.exit !== EXIT.failure ? error : (catalogFailure(error) ?? error);
      const critical = known instanceof BonnieError && known.exit === EXIT.catalog;
      this.log(nagiosLine(critical ? 'critical' : 'unknown', critical ? `catalog: ${errorMessage(known)}` : errorMessage(known)));
      process.exitCode = critical ? NAGIOS_EXIT.critical : NAGIOS_EXIT.unknown;
    }
    return undefined;
  }

  private read(flags: Parameters<BonnieCommand['settings']>[0], thresholds: {pendingAgeSeconds: number; recentHours: number}): Status {
    const settings = this.settings(flags);
    const catalog = openCatalog(settings.catalog, {readOnly: true});
    try {
      return readStatus(catalog, settings.spill, Date.now(), thresholds);
    } finally {
      catalog.close();
    }
  }
}
