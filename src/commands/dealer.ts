import {Flags} from '@oclif/core';
import {BonnieCommand} from '../lib/cli/base-command.js';
import {deal, drainSpillFolder, readStdin, type DealOutcome} from '../lib/capture/dealer.js';
import type {DrainSummary} from '../lib/capture/spill.js';

type Result = ({mode: 'deal'} & DealOutcome) | ({mode: 'drain-spill'} & DrainSummary & {spill: string});

export default class DealerCommand extends BonnieCommand {
  static override summary = 'Commit Cyrus event notifications from stdin to the queue (what notifyd runs).';
  static override description = `Reads one or more notifications (JSON lines) on stdin and commits them to the catalog's queue in one
transaction. When the catalog cannot be written within --dealer-timeout (locked, read-only, missing, disk
full), the input is written to the spill folder instead. Either way nothing is lost and nothing is written to
stdout, which under notifyd is its socket. Logs go to syslog (facility mail) or --log-file.

Cyrus should run the lighter bin/bonnie-dealer, which shares this code without loading the CLI framework:
  notify_external: /usr/lib/node_modules/bonnie/bin/bonnie-dealer

With --drain-spill, moves spilled notifications into the queue, each exactly once, and reports what it did.`;
  static override examples = [
    'printf \'%s\\n\' "$EVENT_JSON" | <%= config.bin %> <%= command.id %> --catalog ./demo/catalog.db',
    '<%= config.bin %> <%= command.id %> --drain-spill',
  ];
  static override flags = {
    'drain-spill': Flags.boolean({description: 'Move spilled notifications into the queue, then exit.'}),
    'log-file': Flags.string({description: 'Log to this file instead of syslog.'}),
    spill: Flags.string({description: 'Spill folder (default: "spill" beside the catalog).'}),
    'dealer-timeout': Flags.string({description: 'How long to wait for a locked catalog before spilling (e.g. 2s, 500ms).'}),
    // notifyd's own argv (-c CLASS -p PRIO -u USER -m MAILBOX -f): accepted and ignored.
    c: Flags.string({char: 'c', hidden: true}),
    p: Flags.string({char: 'p', hidden: true}),
    u: Flags.string({char: 'u', hidden: true}),
    m: Flags.string({char: 'm', hidden: true}),
    f: Flags.boolean({char: 'f', hidden: true}),
  };

  async run(): Promise<Result> {
    const {flags} = await this.parse(DealerCommand);
    if (flags['drain-spill']) {
      const summary = drainSpillFolder(this.settings({catalog: flags.catalog, config: flags.config, spill: flags.spill}));
      if (!this.jsonEnabled()) {
        this.log(`Drained ${summary.files} spill file(s) from ${summary.spill}: ${summary.queued} queued, ${summary.duplicates} duplicate(s), ${summary.quarantined} quarantined`);
        if (summary.alreadyDrained > 0) this.log(`Removed ${summary.alreadyDrained} file(s) an earlier drain had already queued`);
      }
      return {mode: 'drain-spill', ...summary};
    }
    const fromNotifyd = flags.c !== undefined || process.env.CYRUS_SERVICE === 'notify';
    const outcome = await deal(readStdin(), {
      catalog: flags.catalog,
      config: flags.config,
      logFile: flags['log-file'],
      spill: flags.spill,
      dealerTimeout: flags['dealer-timeout'],
      fromNotifyd,
    });
    // Under notifyd stdout is its socket: report only when asked for JSON by a person or a script.
    return {mode: 'deal', ...outcome};
  }
}
