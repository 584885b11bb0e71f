import {Flags} from '@oclif/core';
import {BonnieCommand} from '../lib/cli/base-command.js';
import {openCatalog} from '../lib/catalog/catalog.js';
import {EXIT} from '../lib/errors.js';
import {verifyChain, type ChainProblem, type ChainReport} from '../lib/process/chain.js';

interface Result {
  sound: boolean;
  events: ChainReport;
}

export default class VerifyCommand extends BonnieCommand {
  static override summary = 'Check that the record has not been tampered with.';
  static override description = `--events recomputes the evidence chain: every accepted notification, in arrival order, is hashed
together with the hash before it (SHA-256), when "bonnie process" records it. A notification changed,
removed or inserted afterwards breaks the chain from that point; the first break is reported with the
notification it concerns. Notifications received since the last "bonnie process" are not chained yet and
are only counted. Exit status 0: sound; 5: a problem was found. Opens the catalog read-only.`;
  static override examples = ['<%= config.bin %> <%= command.id %> --events', '<%= config.bin %> <%= command.id %> --events --json'];
  static override flags = {
    events: Flags.boolean({description: 'Recompute the evidence chain of the notifications (the default check).', default: true, allowNo: false}),
  };

  async run(): Promise<Result> {
    const {flags} = await this.parse(VerifyCommand);
    const catalog = openCatalog(this.settings(flags).catalog, {readOnly: true});
    try {
      const events = verifyChain(catalog.db);
      const sound = events.firstProblem === null;
      if (!this.jsonEnabled()) {
        this.log(`events: ${events.checked} notification(s) checked${events.pending > 0 ? `, ${events.pending} not chained yet (run bonnie process)` : ''}`);
        this.log(sound ? 'events: the chain is intact' : `events: BROKEN: ${describe(events.firstProblem as ChainProblem)}`);
      }
      if (!sound) process.exitCode = EXIT.unsound;
      return {sound, events};
    } finally {
      catalog.close();
    }
  }
}

function describe(problem: ChainProblem): string {
  switch (problem.kind) {
    case 'hash-mismatch':
      return `notification ${problem.notificationId} (link ${problem.seq}) is not what was recorded: it, or the chain, was changed afterwards`;
    case 'missing-notification':
      return `notification ${problem.notificationId} (link ${problem.seq}) was removed`;
    case 'unchained-notification':
      return `notification ${problem.notificationId} was inserted after the chain passed it`;
    case 'out-of-order':
      return `link ${problem.seq} (notification ${problem.notificationId}) is out of order: the chain itself was edited`;
  }
}
