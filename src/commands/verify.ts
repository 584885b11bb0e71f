import {Flags} from '@oclif/core';
import {BonnieCommand} from '../lib/cli/base-command.js';
import {openCatalog} from '../lib/catalog/catalog.js';
import {EXIT} from '../lib/errors.js';
import {verifyArchive, type ArchiveVerifyReport} from '../lib/archive/verify.js';
import {verifyChain, type ChainReport} from '../lib/process/chain.js';
import {renderArchiveReport, renderChainReport} from '../lib/cli/render-verify.js';

interface Result {
  sound: boolean;
  events: ChainReport | null;
  archive: ArchiveVerifyReport | null;
}

export default class VerifyCommand extends BonnieCommand {
  static override summary = 'Check that the record and the archive are whole and have not been tampered with.';
  static override description = `--events recomputes the evidence chain: every accepted notification, in arrival order, is hashed
together with the hash before it (SHA-256), when "bonnie process" records it. A notification changed,
removed or inserted afterwards breaks the chain from that point; the first break is reported with the
notification it concerns. Notifications received since the last "bonnie process" are only counted.

--segments checks the archive against its index: every segment file present and long enough, every
indexed message's tar member where the index says, with its name and length; with --read-data every
message is also decompressed and re-hashed (--subset reads only that percentage of segments, chosen at
random). Every problem names the messages it affects.

Without --events or --segments, both are checked; --read-data adds the segments to --events. Exit status 0: sound; 5: a problem was found. Opens the
catalog read-only and never writes to the archive.`;
  static override examples = [
    '<%= config.bin %> <%= command.id %>',
    '<%= config.bin %> <%= command.id %> --events --json',
    '<%= config.bin %> <%= command.id %> --segments --read-data --subset 10',
  ];
  static override flags = {
    events: Flags.boolean({description: 'Recompute the evidence chain of the notifications.'}),
    segments: Flags.boolean({description: 'Check the archive\'s segments against the index.'}),
    archive: Flags.string({description: 'Archive folder (overrides BONNIE_ARCHIVE and the config file).'}),
    'read-data': Flags.boolean({description: 'With the archive: decompress and re-hash the messages too.'}),
    subset: Flags.integer({description: 'With --read-data: read about this percentage of segments (1-100).', min: 1, max: 100, default: 100}),
  };

  async run(): Promise<Result> {
    const {flags} = await this.parse(VerifyCommand);
    const settings = this.settings({catalog: flags.catalog, config: flags.config, archive: flags.archive}, {ldap: false});
    // --events and --segments choose; without either, both. --read-data also asks for the segments.
    const chosen = flags.events || flags.segments;
    const checkEvents = !chosen || flags.events;
    const checkSegments = !chosen || flags.segments || flags['read-data'];
    const catalog = openCatalog(settings.catalog, {readOnly: true});
    try {
      const events = checkEvents ? verifyChain(catalog.db) : null;
      const archive = checkSegments ? verifyArchive(catalog, settings.archive, {readData: flags['read-data'], subsetPercent: flags.subset}) : null;
      const sound = (events === null || events.firstProblem === null) && (archive === null || archive.sound);
      if (!this.jsonEnabled()) {
        if (events !== null) this.log(renderChainReport(events));
        if (archive !== null) this.log(renderArchiveReport(archive));
      }
      if (!sound) process.exitCode = EXIT.unsound;
      return {sound, events, archive};
    } finally {
      catalog.close();
    }
  }
}
