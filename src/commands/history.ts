import {Flags} from '@oclif/core';
import {BonnieCommand} from '../lib/cli/base-command.js';
import {openCatalog} from '../lib/catalog/catalog.js';
import {folderHistory, type FolderHistory} from '../lib/discovery/folder-history.js';
import {messageHistory, type MessageHistory} from '../lib/discovery/message-history.js';
import {parseMessageRef} from '../lib/discovery/refs.js';
import {renderFolderHistory, renderMessageHistory, renderUserHistory} from '../lib/discovery/render-history.js';
import {userHistory, type UserHistory} from '../lib/discovery/user-history.js';

/** What `bonnie history --json` prints: `kind` tells which of the three. */
export type HistoryResult = ({kind: 'message'} & MessageHistory) | ({kind: 'folder'} & FolderHistory) | ({kind: 'user'} & UserHistory);

const ONE_OF = ['message', 'folder', 'user'];

export default class HistoryCommand extends BonnieCommand {
  static override summary = 'Show the timeline of a message, a folder or a person.';
  static override description = `--message REF: the message, the places it is or was (folder and UID, flags, or how it left: expunged,
expired, moved, folder-deleted) and every change to it across copies and moves (followed both ways) and
folder renames; each change with time, actor, session, action, the folder as it was called then and the
UID, and what changed (flags as +\\Seen -\\Flagged). REF is any reference bonnie prints: an emailid
(M9c44bebc02a85abc0c8606d6), msg:<n> (a message Cyrus gave no emailid), a Message-ID (<id@host>), or a
placement <folder>:<uid> with the folder's name now or at the time (user.alice.Work:1) or its mailboxID.

--folder NAME: the folder's versions (created, renamed, ACL changes, deleted) and its changes (appends,
deliveries, flags, removals, copies and moves in and out). NAME is Cyrus' internal name (user.alice.Work)
that any folder ever had, or a mailboxID.

--user LOGIN: the person's versions (logins, addresses, groups), sessions, and everything they did. LOGIN
is any login, address or alias the person ever had, or person:<n>.

When a reference matches several messages, folders or people, they are listed with their references and
the exit status is 2: run again with one of them. Timelines are oldest first, newest last; --limit keeps
the newest.

--json prints {kind: "message"|"folder"|"user", ...}: message: {message, placements, timeline, omitted};
folder: {folder, versions, timeline, omitted}; user: {person, versions, sessions, timeline,
omittedSessions, omitted}. A timeline entry is {id, at, actor, actorPersonId, sessionId, kind, action,
mailboxId, folder, uid, messageRef, placementRef, before, after, summary} (folder entries add direction:
"in"|"out"|null). Fields may be added, never removed or renamed.`;
  static override examples = [
    '<%= config.bin %> <%= command.id %> --message M9c44bebc02a85abc0c8606d6',
    '<%= config.bin %> <%= command.id %> --message user.alice.Work:1',
    "<%= config.bin %> <%= command.id %> --message '<1234@example.org>' --json",
    '<%= config.bin %> <%= command.id %> --folder user.alice.Work',
    '<%= config.bin %> <%= command.id %> --user alice --limit 50',
  ];
  static override flags = {
    message: Flags.string({helpValue: 'REF', description: 'A message reference (emailid, msg:<n>, <Message-ID>, <folder>:<uid>, <mailboxID>:<uid>).', exactlyOne: ONE_OF}),
    folder: Flags.string({helpValue: 'NAME', description: 'A folder name (any it ever had) or mailboxID.', exactlyOne: ONE_OF}),
    user: Flags.string({helpValue: 'LOGIN', description: 'A login, address or alias the person ever had, or person:<n>.', exactlyOne: ONE_OF}),
    limit: Flags.integer({helpValue: 'N', description: 'Show at most this many entries per list (the newest).', min: 1}),
  };

  async run(): Promise<HistoryResult> {
    const {flags} = await this.parse(HistoryCommand);
    const settings = this.settings(flags);
    const ref = flags.message === undefined ? undefined : parseMessageRef(flags.message);
    const catalog = openCatalog(settings.catalog, {readOnly: true});
    try {
      const options = {limit: flags.limit};
      let result: HistoryResult;
      if (ref !== undefined) result = {kind: 'message', ...messageHistory(catalog.db, ref, options)};
      else if (flags.folder !== undefined) result = {kind: 'folder', ...folderHistory(catalog.db, flags.folder, options)};
      else result = {kind: 'user', ...userHistory(catalog.db, flags.user as string, options)};
      if (!this.jsonEnabled()) this.log(render(result));
      return result;
    } finally {
      catalog.close();
    }
  }
}

function render(result: HistoryResult): string {
  switch (result.kind) {
    case 'message':
      return renderMessageHistory(result);
    case 'folder':
      return renderFolderHistory(result);
    case 'user':
      return renderUserHistory(result);
  }
}
