import {Flags} from '#oclif';
import {BonnieCommand} from '../lib/cli/base-command.js';
import {openCatalog} from '../lib/base/catalog/catalog.js';
import {EXIT} from '../lib/base/errors.js';
import {afterCatalogCheck, checkCatalog, type CatalogCheckReport} from '../lib/base/catalog/integrity.js';
import {markBrokenSegments, verifyArchive, type ArchiveVerifyReport, type MarkBrokenResult, type VerifyProgress} from '../lib/store/archive/verify.js';
import {verifyChain, type ChainReport} from '../lib/pipeline/process/chain.js';
import {Policy, type PolicyLogReport} from '../lib/pipeline/retention/policy.js';
import {AlertChain, type AlertChainReport} from '../lib/pipeline/dlp/alert-chain.js';
import {ArchivedMessages} from '../lib/pipeline/collect/archived-messages.js';
import {catalogReferences} from '../lib/cli/reference-checks.js';
import {renderAlertChain, renderArchiveReport, renderCatalogReport, renderChainReport, renderMarkBroken, renderPolicyLog} from '../lib/cli/render-verify.js';

interface Result {
  sound: boolean;
  /** With --integrity (or no choice): the catalog file itself. */
  catalog: CatalogCheckReport | null;
  events: ChainReport | null;
  /** With --events: the hash-chained log of retention rules and legal holds. */
  policyLog: PolicyLogReport | null;
  /** With --events: the hash chain of DLP alerts. */
  dlpAlerts: AlertChainReport | null;
  archive: ArchiveVerifyReport | null;
  /** With --mark-broken: the segments marked and the messages that now count as not archived. */
  markedBroken: MarkBrokenResult | null;
}

export default class VerifyCommand extends BonnieCommand {
  static override summary = 'Check that the record and the archive are whole and have not been tampered with.';
  static override description = `--integrity checks the catalog file itself: SQLite's integrity_check (every page, every index
entry, every constraint), its foreign keys, and that every archived message links to a blob the archive
index knows. Every problem names its table (and index); the hint says how to repair it (REINDEX for an
index alone, otherwise the catalog's backup or sqlite3's .recover). When the catalog is damaged, the
other checks run as far as they can: one that meets a damaged page stops and is reported.

--events recomputes the evidence chain: every accepted notification, in arrival order, is hashed
together with the hash before it (SHA-256), when "bonnie process" records it. A notification changed,
removed or inserted afterwards breaks the chain from that point; the first break is reported with the
notification it concerns. Notifications received since the last "bonnie process" are only counted.
The DLP alerts have a chain of their own, checked the same way (each alert linked as it is raised; an
alert changed, removed or inserted afterwards is reported by its number).

--segments checks the archive against its index: every segment file present and long enough, every
indexed message's tar member where the index says, with its name and length; with --read-data every
message is also decompressed and re-hashed (--subset reads only that percentage of segments, chosen at
random). Every problem names the blobs it affects and the messages whose bytes they are (folder and UID).

--mark-broken marks every segment in which an error was found as broken in the index (one transaction,
under the archive lock): its messages then count as not archived, and "bonnie archive" stores again
those Cyrus still holds. A broken segment is still checked: damage to a message not stored again yet
remains an error, everything else about it is a notice.

Without --integrity, --events or --segments, all three are checked; --read-data and --mark-broken add
the segments to the others. Exit status 0: sound; 5: a problem was found (also after --mark-broken: what
is damaged stays lost until stored again); 4: the catalog cannot be opened or read at all. Opens the
catalog read-only (read-write with --mark-broken) and never writes to the archive.`;
  static override examples = [
    '<%= config.bin %> <%= command.id %>',
    '<%= config.bin %> <%= command.id %> --integrity',
    '<%= config.bin %> <%= command.id %> --events --json',
    '<%= config.bin %> <%= command.id %> --segments --read-data --subset 10',
    '<%= config.bin %> <%= command.id %> --segments --read-data --mark-broken',
  ];
  static override flags = {
    integrity: Flags.boolean({description: 'Check the catalog file itself: SQLite\'s integrity_check, foreign keys, links to blobs.'}),
    events: Flags.boolean({description: 'Recompute the evidence chain of the notifications.'}),
    segments: Flags.boolean({description: 'Check the archive\'s segments against the index.'}),
    archive: Flags.string({description: 'Archive folder (overrides BONNIE_ARCHIVE and the config file).'}),
    'read-data': Flags.boolean({description: 'With the archive: decompress and re-hash the messages too.'}),
    subset: Flags.integer({description: 'With --read-data: read about this percentage of segments (1-100).', min: 1, max: 100, default: 100}),
    'mark-broken': Flags.boolean({description: 'Mark every segment with an error as broken, so that bonnie archive stores its messages again.'}),
  };

  async run(): Promise<Result> {
    const {flags} = await this.parse(VerifyCommand);
    const settings = this.settings({catalog: flags.catalog, config: flags.config, archive: flags.archive}, {ldap: false});
    // --integrity, --events and --segments choose; without any, all three. --read-data and --mark-broken
    // also ask for the segments.
    const markBroken = flags['mark-broken'];
    const chosen = flags.integrity || flags.events || flags.segments;
    const checkIntegrity = !chosen || flags.integrity;
    const checkEvents = !chosen || flags.events;
    const checkSegments = !chosen || flags.segments || flags['read-data'] || markBroken;
    const catalog = openCatalog(settings.catalog, {readOnly: !markBroken});
    // The segments are the long check (the whole archive with --read-data); the catalog's integrity_check
    // is one SQLite statement, which reports nothing until it is done.
    const live = checkSegments ? await this.progress() : undefined;
    const onProgress = (p: VerifyProgress) =>
      live?.report({
        title: flags['read-data'] ? 'Reading the archive back' : 'Checking the archive\'s segments',
        done: p.checked,
        total: p.segments,
        unit: 'segments',
        bytes: flags['read-data'] ? p.bytesRead : undefined,
        rows: [
          ['blobs', `${p.blobs.toLocaleString('en')} checked${flags['read-data'] ? `, ${p.blobsRead.toLocaleString('en')} re-hashed` : ''}`],
          ['segment', p.segment],
        ],
      });
    try {
      // The catalog first: the other checks read it, and on a damaged one they stop where it is damaged.
      const integrity = checkIntegrity ? checkCatalog(catalog, catalogReferences(catalog.db)) : null;
      const guarded = <T>(what: string, check: () => T): T | null => (integrity === null ? check() : afterCatalogCheck(integrity, catalog, what, check));
      const events = checkEvents ? guarded('the evidence chain check', () => verifyChain(catalog.db)) : null;
      const policyLog = checkEvents ? guarded('the policy log check', () => new Policy(catalog.db).verifyLog()) : null;
      const dlpAlerts = checkEvents ? guarded('the DLP alert chain check', () => new AlertChain(catalog.db).verify()) : null;
      const archive = checkSegments ? guarded('the archive check', () => verifyArchive(catalog, settings.archive, {readData: flags['read-data'], subsetPercent: flags.subset, onProgress, messages: new ArchivedMessages(catalog.db)})) : null;
      live?.done();
      const sound = (integrity === null || integrity.sound) && (events === null || events.firstProblem === null) && (policyLog === null || policyLog.firstBreak === null) && (dlpAlerts === null || dlpAlerts.firstProblem === null) && (archive === null || archive.sound);
      if (!this.jsonEnabled()) {
        if (integrity !== null) this.log(renderCatalogReport(integrity));
        if (events !== null) this.log(renderChainReport(events));
        if (policyLog !== null) this.log(renderPolicyLog(policyLog));
        if (dlpAlerts !== null) this.log(renderAlertChain(dlpAlerts));
        if (archive !== null) this.log(renderArchiveReport(archive, {markBroken}));
      }
      if (!sound) process.exitCode = EXIT.unsound;
      const markedBroken = markBroken && archive !== null ? markBrokenSegments(catalog, archive, new ArchivedMessages(catalog.db)) : null;
      if (markedBroken !== null && !this.jsonEnabled()) this.log(renderMarkBroken(markedBroken));
      return {sound, catalog: integrity, events, policyLog, dlpAlerts, archive, markedBroken};
    } finally {
      live?.done();
      catalog.close();
    }
  }
}
