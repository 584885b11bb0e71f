/** The lab's fixed accounts: Cyrus logins (sasldb) and the people in its directory (slapd). Loopback only. */

/** Cyrus' servername in the lab; it is also the sasldb realm (`saslpasswd2 -u`). */
export const SERVERNAME = 'imap.lab.test';

/** The mail domain the directory's addresses use. */
export const MAIL_DOMAIN = 'lab.test';

/** The Cyrus admin (imapd.conf `admins: cyrus`). */
export const LAB_ADMIN = {user: 'cyrus', password: 'cyrus-lab-secret'} as const;

/** Users with a mailbox `user.<name>`, name -> password (the same password binds as them in LDAP). */
export const LAB_USERS: Readonly<Record<string, string>> = {
  alice: 'alice-lab-secret',
  bob: 'bob-lab-secret',
  carol: 'carol-lab-secret',
  dave: 'dave-lab-secret',
  // No person in the directory: logins LDAP does not know.
  frank: 'frank-lab-secret',
  // Subtree renames and deletions (subtree.test.ts); no person in the directory either.
  gina: 'gina-lab-secret',
};

export interface LabPerson {
  uid: string;
  givenName: string;
  sn: string;
  mail: string;
  /** `mailAlternateAddress` values (aliases). */
  aliases: string[];
}

/** One person per lab user, in ou=People. */
export const LAB_PEOPLE: readonly LabPerson[] = [
  {uid: 'alice', givenName: 'Alice', sn: 'Archer', mail: 'alice@lab.test', aliases: ['a.archer@lab.test', 'alice.archer@lab.test']},
  {uid: 'bob', givenName: 'Bob', sn: 'Baker', mail: 'bob@lab.test', aliases: ['b.baker@lab.test']},
  {uid: 'carol', givenName: 'Carol', sn: 'Cooper', mail: 'carol@lab.test', aliases: ['c.cooper@lab.test', 'legal@lab.test']},
  {uid: 'dave', givenName: 'Dave', sn: 'Dalton', mail: 'dave@lab.test', aliases: []},
];

/** groupOfNames in ou=Groups: cn -> member uids. */
export const LAB_GROUPS: Readonly<Record<string, readonly string[]>> = {
  staff: ['alice', 'bob', 'carol', 'dave'],
  sales: ['alice', 'bob'],
  legal: ['carol'],
};
