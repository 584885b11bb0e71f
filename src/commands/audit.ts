import {Flags} from '#oclif';
import {BonnieCommand} from '../lib/cli/base-command.js';
import {openCatalog} from '../lib/base/catalog/catalog.js';
import {audit, type Audit} from '../lib/read/discovery/audit.js';
import {renderAudit} from '../lib/read/discovery/render-audit.js';

export default class AuditCommand extends BonnieCommand {
  static override summary = "Show a person's sessions and what was done in them.";
  static override description = `Lists the sessions of the person LOGIN names (any login, address or alias they ever had, or
person:<n>: a renamed user is one person) that overlap the range: when they started, how they ended (logout,
closed by timeout, still open, or no login at all: LMTP delivery, cyr_expire), duration, service, client
address and port, and every action inside each (time, actor, action, message placement and reference, what
changed). Then the actions the person did in the range outside their own sessions. A session that overlaps
the range is shown whole. Oldest first, newest last; --limit keeps the newest sessions, actions per session
and actions outside sessions.

--since and --until take an ISO date or time (UTC unless a zone is given; a date alone is its midnight) or a
duration back from now (7d, 12h, 30m); both are inclusive. --ip keeps sessions from one address or a CIDR
block (actions outside sessions have no address and are then left out).

The references printed (emailid, msg:<n>, <folder>:<uid>) are accepted by "bonnie history --message".

--json prints {person: {ref, id, key, login, firstSeen}, range: {since, until, ip}, sessions: [{sessionId,
login, service, clientIp, clientPort, start, loginAt, logoutAt, state: "logout"|"timeout"|"open"|"no-login",
end, durationSeconds, actionCount, actions: [timeline entry], omittedActions}], outside: [timeline entry],
omittedSessions, omittedOutside}; timeline entries are described in bonnie-history(1). Fields may be added,
never removed or renamed.`;
  static override examples = [
    '<%= config.bin %> <%= command.id %> --user alice --since 7d',
    '<%= config.bin %> <%= command.id %> --user alice@example.com --since 2026-11-01 --until 2026-11-30 --json',
    '<%= config.bin %> <%= command.id %> --user alice --ip 192.0.2.0/24',
  ];
  static override flags = {
    user: Flags.string({helpValue: 'LOGIN', description: 'A login, address or alias the person ever had, or person:<n>.', required: true}),
    since: Flags.string({helpValue: 'TIME', description: 'From this time: ISO date or time (UTC unless zoned), or a duration back from now (7d).'}),
    until: Flags.string({helpValue: 'TIME', description: 'Until this time (inclusive), in the same forms as --since.'}),
    ip: Flags.string({helpValue: 'ADDRESS', description: 'Only sessions from this client address or CIDR block.'}),
    limit: Flags.integer({helpValue: 'N', description: 'Show at most this many sessions, actions per session and actions outside sessions (the newest).', min: 1}),
  };

  async run(): Promise<Audit> {
    const {flags} = await this.parse(AuditCommand);
    const settings = this.settings(flags);
    const catalog = openCatalog(settings.catalog, {readOnly: true});
    try {
      const result = audit(catalog.db, {user: flags.user, since: flags.since, until: flags.until, ip: flags.ip, limit: flags.limit});
      if (!this.jsonEnabled()) this.log(renderAudit(result));
      return result;
    } finally {
      catalog.close();
    }
  }
}
