import {Flags} from '#oclif';
import {BonnieCommand} from '../lib/cli/base-command.js';
import {openCatalog} from '../lib/base/catalog/catalog.js';
import {listGaps, scanForGaps, type Gap, type ScanSummary} from '../lib/pipeline/capture/gaps.js';

interface Result {
  scan: ScanSummary | null;
  gaps: Gap[];
}

export default class GapsCommand extends BonnieCommand {
  static override summary = 'Find and list holes in the record: events Cyrus never delivered.';
  static override description = `Cyrus drops any event larger than about 21 KB (a huge Subject, a STORE on a few hundred messages)
with only a syslog line. Every event carries its folder's counters (UIDs, uidnext, modseq); this command
reads the notifications received since its last run, checks those counters against the events received,
records each hole (folder, UID or modseq range, when noticed) and leaves a reconcile job for the collector
to re-read that folder. Then it lists the open gaps. Run it from cron, or let "bonnie dealer --listen" and
"bonnie process" do it.

A gap is open until one of these ends it:
  closed       the missing events arrived late; or its folder was deleted before "bonnie collector" could
               re-read it (the reason says so: what the lost events announced is not archived);
  reconciled   "bonnie collector" re-read the folder whole and archived what it held (a dropped event never
               arrives late, so this is how most gaps end).
Only open gaps make "bonnie status" warn (GapsOpen); --all lists the others, with when and why they ended.`;
  static override examples = ['<%= config.bin %> <%= command.id %>', '<%= config.bin %> <%= command.id %> --all --json'];
  static override flags = {
    all: Flags.boolean({description: 'Also list gaps that were closed or reconciled.'}),
    'no-scan': Flags.boolean({description: 'Only list; do not read new notifications (opens the catalog read-only).'}),
    limit: Flags.integer({description: 'List at most this many gaps.', min: 1}),
  };

  async run(): Promise<Result> {
    const {flags} = await this.parse(GapsCommand);
    const settings = this.settings(flags);
    const catalog = openCatalog(settings.catalog, {readOnly: flags['no-scan']});
    try {
      const scan = flags['no-scan'] ? null : scanForGaps(catalog.db);
      const gaps = listGaps(catalog.db, {includeClosed: flags.all, limit: flags.limit});
      if (!this.jsonEnabled()) this.render(scan, gaps);
      return {scan, gaps};
    } finally {
      catalog.close();
    }
  }

  private render(scan: ScanSummary | null, gaps: Gap[]): void {
    if (scan !== null) this.log(`Scanned ${scan.scanned} notification(s): ${scan.opened} new gap(s), ${scan.closed} closed by late events.`);
    if (gaps.length === 0) {
      this.log('No open gaps.');
      return;
    }
    for (const gap of gaps) {
      const range = gap.from === gap.to ? `${gap.kind} ${gap.from}` : `${gap.kind} ${gap.from}-${gap.to}`;
      const ended = gap.closedAt === null ? '' : `  (${gap.state} ${gap.closedAt}${gap.closedReason ? `: ${gap.closedReason}` : ''})`;
      this.log(`#${gap.id}  ${gap.state.padEnd(10)}  ${gap.noticedAt}  ${gap.mailboxName} (${gap.mailboxId})  ${range}${ended}`);
    }
  }
}
