import {Args, Flags} from '#oclif';
import {BonnieCommand} from '../lib/cli/base-command.js';
import {openCatalog} from '../lib/base/catalog/catalog.js';
import {BonnieError} from '../lib/base/errors.js';
import {parseInstant} from '../lib/base/config/dates.js';
import {parseTraceTarget, traceMessages, type TraceQuery, type TraceReport} from '../lib/read/trace/trace.js';
import {renderTrace} from '../lib/read/trace/render.js';

export default class TraceCommand extends BonnieCommand {
  static override summary = 'Follow a message through the MTAs\' logs to the mailbox it landed in, and what happened to it there.';
  static override description = `Prints a message's whole path as "bonnie maillog" read it from the MTAs' logs: each host it crossed, with
its queue ID, when it arrived and from which client, the envelope sender, size and recipients, each
delivery attempt (relay, status sent, deferred, bounced or expired, and the reason), the next hop's queue
ID, and bounce notices made of it; then where Cyrus placed it (joined through the LMTP session ID that
lmtpd's reply carries, or the Message-ID), each recipient's outcome, and what happened to it in the mailbox
since (the newest entries of "bonnie history --message").

TARGET is a Message-ID (<id@host>), a queue ID as any MTA logged it (Postfix 4D8F21C3B2 or
4Fh0Zb1XyTz9vWd, Exim 1tJabc-000123-AB), or a message reference bonnie printed (emailid, msg:<n>,
<folder>:<uid>). Without TARGET, --from, --to, --since and --until list every message that matches, each
traced, and the refusals (NOQUEUE reject) that match.

Hops are joined by the next hop's "queued as" ID (within 10 minutes, for clocks that drift), by bounce
notices, and by Message-ID. A host whose log was not read shows as "(host not read)".

--json prints {traces: [{messageId, hops: [{host, mta, queueId, origin, noticeOf, receivedAt, removedAt,
client, protocol, from, size, nrcpt, messageId, deliveries: [{at, program, to, origTo, relay, status, dsn,
reason, nextQueueId, nextHost, sessionId}]}], outcomes: [{recipient, status, host, at, reason}],
placements: [{at, sessionId, messageRef, placementRef, folder}], lmtpd: [{at, host, mailbox}], history:
[as bonnie history --message --json prints, without kind]}], rejects: [{at, host, client, from, to, dsn,
reason}], truncated}. Fields may be added, never removed or renamed.`;
  static override examples = [
    "<%= config.bin %> <%= command.id %> '<20261207152711.4F2A@example.org>'",
    '<%= config.bin %> <%= command.id %> 4Fh0Zb1XyTz9vWd',
    '<%= config.bin %> <%= command.id %> --to alice@example.org --since 1d',
    '<%= config.bin %> <%= command.id %> --from newsletter@example.com --since 2026-12-01 --until 2026-12-07 --json',
  ];
  static override args = {
    target: Args.string({description: 'A Message-ID, a queue ID, or a message reference (emailid, msg:<n>, <folder>:<uid>).'}),
  };
  static override flags = {
    from: Flags.string({helpValue: 'ADDRESS', description: 'Messages with this envelope sender (<> is the null sender of bounces).'}),
    to: Flags.string({helpValue: 'ADDRESS', description: 'Messages to this recipient (as delivered, or as first addressed).'}),
    since: Flags.string({helpValue: 'TIME', description: 'Messages in the queue at or after this time: ISO date or time (UTC unless zoned), or a duration back from now (7d).'}),
    until: Flags.string({helpValue: 'TIME', description: 'Messages first queued up to this time, in the same forms as --since.'}),
    limit: Flags.integer({helpValue: 'N', description: 'At most this many messages (default 50).', min: 1}),
  };

  async run(): Promise<TraceReport> {
    const {args, flags} = await this.parse(TraceCommand);
    const filtered = flags.from !== undefined || flags.to !== undefined || flags.since !== undefined || flags.until !== undefined;
    if ((args.target === undefined) === !filtered) {
      throw new BonnieError('UsageInvalid', args.target === undefined ? 'nothing to trace' : 'give a TARGET or --from/--to/--since/--until, not both', {
        hint: "For example: bonnie trace '<id@example.org>', bonnie trace 4Fh0Zb1XyTz9vWd, or bonnie trace --to alice@example.org --since 1d.",
      });
    }
    const now = new Date();
    const query: TraceQuery =
      args.target === undefined
        ? {
            kind: 'filter',
            from: flags.from === '<>' ? '' : flags.from,
            to: flags.to,
            since: flags.since === undefined ? undefined : parseInstant(flags.since, '--since', now),
            until: flags.until === undefined ? undefined : parseInstant(flags.until, '--until', now),
          }
        : parseTraceTarget(args.target);
    const settings = this.settings(flags);
    const catalog = openCatalog(settings.catalog, {readOnly: true});
    try {
      const report = traceMessages(catalog.db, query, {limit: flags.limit});
      if (!this.jsonEnabled()) this.log(renderTrace(report));
      return report;
    } finally {
      catalog.close();
    }
  }
}
