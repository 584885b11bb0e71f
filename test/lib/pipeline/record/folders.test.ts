/** Folders below a renamed or deleted one, found by name in the record (Folders.renamedBelow / deletedBelow). */
import {beforeEach, describe, expect, it} from 'vitest';
import {openCatalog, type Catalog} from '../../../../src/lib/base/catalog/catalog.js';
import {parseMailboxUri} from '../../../../src/lib/core/event/uri.js';
import type {MailboxRef} from '../../../../src/lib/core/event/types.js';
import {Folders} from '../../../../src/lib/pipeline/record/folders.js';

let catalog: Catalog;
let folders: Folders;
const AT = Date.parse('2026-12-07T05:00:00.000Z');
const LATER = Date.parse('2026-12-07T06:00:00.000Z');

beforeEach(() => {
  catalog = openCatalog(':memory:', {create: true});
  // Versions name the notification they came from.
  catalog.db.prepare("INSERT INTO notification (id, sha256, raw, received_at, source, event_type, last_delivered_at) VALUES (1, x'00', x'7b7d', 0, 'stdin', 'MailboxCreate', 0)").run();
  folders = new Folders(catalog.db);
});

function ref(name: string, separator: '.' | '/' = '.'): MailboxRef {
  const parsed = parseMailboxUri(`imap://imap.lab.test/${encodeURIComponent(name).replaceAll('%2F', '/')};UIDVALIDITY=7`, {separator});
  if (!parsed.ok || parsed.mailbox === undefined) throw new Error(`bad name ${name}`);
  return parsed.mailbox;
}

const named = (names: Record<string, string>, separator: '.' | '/' = '.') => {
  for (const [id, name] of Object.entries(names)) folders.created(id, ref(name, separator), undefined, undefined, AT, 1);
};
const nameOf = (id: string) => folders.current(id)?.name;

describe('Folders below another', () => {
  it("renames only what is below, with unixhierarchysep's / as with .", () => {
    named({p: 'user/gina/Projects', a: 'user/gina/Projects/Alpha', d: 'user/gina/Projects/Alpha/Deep', x: 'user/gina/Projects0', y: 'user/gina/ProjectsX', dot: 'user/gina/Projects.Alpha'}, '/');
    const moved = folders.renamedBelow(ref('user/gina/Projects', '/'), ref('user/gina/Clients', '/'), undefined, LATER, 1);
    expect(moved).toEqual([
      {mailboxId: 'a', before: 'user/gina/Projects/Alpha', after: 'user/gina/Clients/Alpha'},
      {mailboxId: 'd', before: 'user/gina/Projects/Alpha/Deep', after: 'user/gina/Clients/Alpha/Deep'},
    ]);
    expect(['p', 'a', 'd', 'x', 'y', 'dot'].map(nameOf)).toEqual(['user/gina/Projects', 'user/gina/Clients/Alpha', 'user/gina/Clients/Alpha/Deep', 'user/gina/Projects0', 'user/gina/ProjectsX', 'user/gina/Projects.Alpha']);
  });

  it('leaves deleted folders deleted, under the name they had', () => {
    named({a: 'user.gina.Projects.Alpha', b: 'user.gina.Projects.Beta'});
    folders.deleted('b', AT, 1);
    expect(folders.renamedBelow(ref('user.gina.Projects'), ref('user.gina.Clients'), undefined, LATER, 1).map((f) => f.mailboxId)).toEqual(['a']);
    expect(folders.current('b')).toMatchObject({name: 'user.gina.Projects.Beta'});
  });

  it('deletes every folder below a deleted user, and only those', () => {
    named({a: 'user.jo.A', b: 'user.jo.A.B', other: 'user.john.A'});
    expect(folders.deletedBelow(ref('user.jo'), LATER, 1).map((f) => f.mailboxId)).toEqual(['a', 'b']);
    expect(folders.deletedBelow(ref('user.jo'), LATER, 1)).toEqual([]);
    expect(nameOf('other')).toBe('user.john.A');
  });
});
