/**
 * The folder reference and the selector (core/folder.ts, core/selector.ts): the one parser behind the
 * --mailbox, --user, --all and --message flags of archive, restore and export.
 */
import {describe, expect, it} from 'vitest';
import {BonnieError} from '../../../src/lib/base/errors.js';
import {adminName, sameFolderName} from '../../../src/lib/core/folder.js';
import {parsePlacement, parseSelector, placementOf, selects} from '../../../src/lib/core/selector.js';

describe('folder names', () => {
  it('names a folder in the admin form events use', () => {
    expect(adminName('user.alice.Sent')).toBe('user.alice.Sent');
    expect(adminName('example.com!user.dave')).toBe('user.dave@example.com');
    expect(adminName('example.com!user.dave.Work Stuff')).toBe('user.dave.Work Stuff@example.com');
    expect(adminName('DELETED.user.alice.Old.5F1234AB')).toBe('DELETED.user.alice.Old.5F1234AB');
  });

  it('takes a name typed with the other separator for the same folder, only when unambiguous', () => {
    expect(sameFolderName('user.alice.Sent', 'user/alice/Sent')).toBe(true);
    expect(sameFolderName('user.alice.Sent', 'user/alice.Sent')).toBe(false);
    expect(sameFolderName('user/alice/Sent', 'user.alice.Sent')).toBe(false);
  });
});

describe('selectors', () => {
  it('selects every folder of a user by login, deleted folders and virtual domains included', () => {
    const alice = {kind: 'user', login: 'alice'} as const;
    expect(selects(alice, 'user.alice')).toBe(true);
    expect(selects(alice, 'user.alice.Sent')).toBe(true);
    expect(selects(alice, 'DELETED.user.alice.Old.5F1234AB')).toBe(true);
    expect(selects(alice, 'user.alicia')).toBe(false);
    expect(selects(alice, 'user.alice@example.com')).toBe(false);
    expect(selects(alice, 'shared.alice')).toBe(false);
    expect(selects({kind: 'user', login: 'dave@example.com'}, 'user.dave.Sent@example.com')).toBe(true);
  });

  it('selects one folder by name, in either hierarchy separator; a message selects its folder', () => {
    expect(selects({kind: 'mailbox', name: 'user.alice.Sent'}, 'user.alice.Sent')).toBe(true);
    expect(selects({kind: 'mailbox', name: 'user/alice/Sent'}, 'user.alice.Sent')).toBe(true);
    expect(selects({kind: 'mailbox', name: 'user.alice'}, 'user.alice.Sent')).toBe(false);
    expect(selects({kind: 'message', ref: 'user.dave@example.com:1'}, 'user.dave@example.com')).toBe(true);
    expect(selects({kind: 'message', ref: 'user.dave@example.com:1'}, 'user.dave.Sent@example.com')).toBe(false);
    expect(selects({kind: 'all'}, 'shared.Sales')).toBe(true);
  });

  it('parses <folder>:<uid> at the last colon, and nothing malformed', () => {
    expect(parsePlacement('user.alice:42')).toEqual({folder: 'user.alice', uid: 42});
    expect(parsePlacement('user.alice.Re: hello:7')).toEqual({folder: 'user.alice.Re: hello', uid: 7});
    expect(parsePlacement('user.dave@example.com:4294967295')).toEqual({folder: 'user.dave@example.com', uid: 4294967295});
    for (const bad of ['x', 'user.alice', 'user.alice:', ':42', 'user.alice:0', 'user.alice:042', 'user.alice:-1', 'user.alice:4294967296', 'user.alice:1.5', 'user.alice:12345678901']) {
      expect(parsePlacement(bad), bad).toBeUndefined();
    }
  });

  it('reads the flags as archive, restore and export do', () => {
    expect(parseSelector({mailbox: 'user.alice.Sent'})).toEqual({kind: 'mailbox', name: 'user.alice.Sent'});
    expect(parseSelector({user: 'alice'})).toEqual({kind: 'user', login: 'alice'});
    expect(parseSelector({all: true})).toEqual({kind: 'all'});
    // Restore and export take any message reference as typed (history's forms); archive only a placement.
    expect(parseSelector({message: 'M9c44bebc02a85abc0c8606d6'})).toEqual({kind: 'message', ref: 'M9c44bebc02a85abc0c8606d6'});
    expect(parseSelector({message: 'user.alice:42'}, {message: 'placement'})).toEqual({kind: 'message', ref: 'user.alice:42'});
    expect(placementOf({kind: 'message', ref: 'user.alice:42'})).toEqual({folder: 'user.alice', uid: 42});
    const error = (() => {
      try {
        parseSelector({message: 'M9c44bebc02a85abc0c8606d6'}, {message: 'placement'});
      } catch (thrown) {
        return thrown;
      }
    })();
    expect(error).toBeInstanceOf(BonnieError);
    expect(error).toMatchObject({code: 'UsageInvalid', exit: 2, message: '--message M9c44bebc02a85abc0c8606d6: expected <mailbox>:<uid>'});
  });
});
