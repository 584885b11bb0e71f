import {describe, expect, it} from 'vitest';
import {adminName, parseMessageSelector, selects} from '../../../src/lib/pipeline/snapshot/source.js';

describe('folder names and selectors', () => {
  it('names a folder in the admin form events use', () => {
    expect(adminName('user.alice.Sent')).toBe('user.alice.Sent');
    expect(adminName('example.com!user.dave')).toBe('user.dave@example.com');
    expect(adminName('example.com!user.dave.Work Stuff')).toBe('user.dave.Work Stuff@example.com');
    expect(adminName('DELETED.user.alice.Old.5F1234AB')).toBe('DELETED.user.alice.Old.5F1234AB');
  });

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

  it('selects one folder by name, in either hierarchy separator', () => {
    expect(selects({kind: 'mailbox', name: 'user.alice.Sent'}, 'user.alice.Sent')).toBe(true);
    expect(selects({kind: 'mailbox', name: 'user/alice/Sent'}, 'user.alice.Sent')).toBe(true);
    expect(selects({kind: 'mailbox', name: 'user.alice'}, 'user.alice.Sent')).toBe(false);
    expect(selects({kind: 'message', name: 'user.dave@example.com', uid: 1}, 'user.dave@example.com')).toBe(true);
    expect(selects({kind: 'all'}, 'shared.Sales')).toBe(true);
  });

  it('parses --message <mailbox>:<uid> at the last colon, and nothing malformed', () => {
    expect(parseMessageSelector('user.alice:42')).toEqual({name: 'user.alice', uid: 42});
    expect(parseMessageSelector('user.alice.Re: hello:7')).toEqual({name: 'user.alice.Re: hello', uid: 7});
    expect(parseMessageSelector('user.dave@example.com:4294967295')).toEqual({name: 'user.dave@example.com', uid: 4294967295});
    for (const bad of ['x', 'user.alice', 'user.alice:', ':42', 'user.alice:0', 'user.alice:042', 'user.alice:-1', 'user.alice:4294967296', 'user.alice:1.5']) {
      expect(parseMessageSelector(bad), bad).toBeUndefined();
    }
  });
});
