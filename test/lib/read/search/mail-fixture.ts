/**
 * Messages for the search tests, written the way mail clients write them: every charset and transfer
 * encoding the index must decode, encoded words in headers, HTML-only mail, attachments, an inline logo;
 * and a small site of Cyrus folders holding them (scripts/lib/cyrus-spool.js), archived by the built CLI.
 *
 * | folder                          | UID | message            | flags            | notes                        |
 * | ------------------------------- | --- | ------------------ | ---------------- | ---------------------------- |
 * | user.alice                      | 1   | utf8Plain          | \Seen            | also in user.alice.Sent      |
 * |                                 | 2   | latin1Qp           | \Flagged         |                              |
 * |                                 | 3   | sjisBase64         | \Seen $Label1    |                              |
 * |                                 | 4   | utf8Qp             |                  | ISO-2022-JP subject          |
 * |                                 | 5   | htmlOnly           |                  |                              |
 * |                                 | 6   | withAttachment     | \Answered        | budget-2026.xlsx, inline logo|
 * |                                 | 7   | inlineLogo         |                  | an inline image only         |
 * |                                 | 8   | noDate             |                  | no Date header               |
 * | user.alice.Sent                 | 1   | utf8Plain          | \Seen            |                              |
 * | user.bob                        | 1   | big                |                  | 200 kB                       |
 * |                                 | 2   | expunged           | \Deleted         | expunged (file kept)         |
 * | DELETED.user.bob.Old.5F1234AB   | 1   | inDeletedFolder    |                  | a folder bob deleted         |
 * | shared.Sales                    | 1   | chinese            |                  | no owner                     |
 */
import {createHash} from 'node:crypto';
import {join} from 'node:path';
import {writeMailbox, type SpoolFolder} from '../../sources/cyrus/cyrus-spool.js';
import {bonnie} from '../../../helpers/run.js';

const message = (headers: string[], body: string | Buffer): Buffer =>
  Buffer.concat([Buffer.from([...headers, '', ''].join('\r\n'), 'latin1'), typeof body === 'string' ? Buffer.from(body, 'latin1') : body]);
const b64 = (bytes: Buffer) => (bytes.toString('base64').match(/.{1,76}/g) ?? []).join('\r\n');
/** Random-looking but fixed bytes: an already-compressed file. */
const binary = (seed: string, length: number) => {
  const out = Buffer.alloc(length);
  for (let i = 0, block = 0; i < length; block++) i += createHash('sha256').update(`${seed}:${block}`).digest().copy(out, i);
  return out;
};

/** 会議の議事録を送ります。予算は承認されました。 in Shift_JIS. */
const SJIS_BODY = Buffer.from('89ef8b6382cc8b638e96985e82f0919782e882dc82b78142975c8e5a82cd8fb3944682b382ea82dc82b582bd8142', 'hex');
const LOGO = binary('logo', 600);

export const MAIL = {
  utf8Plain: message(
    [
      'From: "Alice Archer" <alice@example.com>',
      'To: Bob Baker <bob@example.com>',
      'Cc: carol@example.com',
      'Subject: Quarterly report',
      'Date: Mon, 02 Mar 2026 09:00:00 +0000',
      'Message-ID: <q1-report@example.com>',
      'MIME-Version: 1.0',
      'Content-Type: text/plain; charset=utf-8',
      'Content-Transfer-Encoding: 8bit',
    ],
    Buffer.from('The merger with Café Noir is on track.\r\nBest regards,\r\nAlice\r\n', 'utf8'),
  ),
  latin1Qp: message(
    [
      'From: =?ISO-8859-1?Q?J=F6rg_M=FCller?= <joerg@example.de>',
      'To: alice@example.com',
      'Subject: =?ISO-8859-1?Q?Gr=FC=DFe_aus_M=FCnchen?=',
      'Date: Tue, 10 Mar 2026 12:00:00 +0100',
      'Message-ID: <latin1@example.de>',
      'MIME-Version: 1.0',
      'Content-Type: text/plain; charset=ISO-8859-1',
      'Content-Transfer-Encoding: quoted-printable',
    ],
    'Sch=F6ne =C4pfel und der Vertrag ist unterschrieben.\r\nJ=F6rg\r\n',
  ),
  sjisBase64: message(
    [
      'From: Tanaka <tanaka@example.jp>',
      'To: alice@example.com',
      'Subject: =?Shift_JIS?B?i2OOlphe?=',
      'Date: Sun, 15 Mar 2026 08:30:00 +0900',
      'Message-ID: <sjis@example.jp>',
      'MIME-Version: 1.0',
      'Content-Type: text/plain; charset=Shift_JIS',
      'Content-Transfer-Encoding: base64',
    ],
    `${b64(SJIS_BODY)}\r\n`,
  ),
  utf8Qp: message(
    [
      'From: dave@example.org',
      'To: alice@example.com',
      'Cc: Erin Eastwood <erin@example.org>',
      'Subject: =?ISO-2022-JP?B?GyRCTT07OyROPjVHJxsoQg==?=',
      'Date: Fri, 20 Mar 2026 16:45:00 +0000',
      'Message-ID: <utf8qp@example.org>',
      'MIME-Version: 1.0',
      'Content-Type: text/plain; charset=utf-8',
      'Content-Transfer-Encoding: quoted-printable',
    ],
    'Gr=C3=BC=C3=9Fe aus M=C3=BCnchen, K=C3=A4se f=C3=BCr 5 =E2=82=AC, see you at the offsite.\r\n',
  ),
  htmlOnly: message(
    [
      'From: Shop <news@shop.example>',
      'To: alice@example.com',
      'Subject: Spring sale',
      'Date: Wed, 25 Mar 2026 07:00:00 +0000',
      'Message-ID: <html-only@shop.example>',
      'MIME-Version: 1.0',
      'Content-Type: text/html; charset=utf-8',
      'Content-Transfer-Encoding: base64',
    ],
    `${b64(
      Buffer.from(
        '<html><head><style>.hidden { color: red }</style><title>ignored title</title></head><body><p>Invitation to the <b>launch</b> party at the Caf&eacute; &amp; Bar</p><script>var tracking = 1;</script><div>Fr&uuml;hling &ndash; soon</div></body></html>',
        'utf8',
      ),
    )}\r\n`,
  ),
  withAttachment: message(
    [
      'From: bob@example.com',
      'To: alice@example.com',
      'Subject: Budget 2026',
      'Date: Wed, 01 Apr 2026 10:00:00 +0200',
      'Message-ID: <budget@example.com>',
      'MIME-Version: 1.0',
      'Content-Type: multipart/mixed; boundary="outer"',
    ],
    [
      '--outer',
      'Content-Type: multipart/related; boundary="rel"',
      '',
      '--rel',
      'Content-Type: text/html; charset=utf-8',
      '',
      '<p>Please find the budget attached.</p><img src="cid:logo@example.com">',
      '--rel',
      'Content-Type: image/png; name="logo.png"',
      'Content-Transfer-Encoding: base64',
      'Content-ID: <logo@example.com>',
      'Content-Disposition: inline; filename="logo.png"',
      '',
      b64(LOGO),
      '--rel--',
      '--outer',
      'Content-Type: application/vnd.openxmlformats-officedocument.spreadsheetml.sheet; name="budget-2026.xlsx"',
      'Content-Transfer-Encoding: base64',
      'Content-Disposition: attachment; filename="budget-2026.xlsx"',
      '',
      b64(binary('xlsx', 3000)),
      '--outer--',
      '',
    ].join('\r\n'),
  ),
  inlineLogo: message(
    [
      'From: carol@example.com',
      'To: alice@example.com',
      'Subject: Signature test',
      'Date: Thu, 02 Apr 2026 11:00:00 +0000',
      'Message-ID: <logo-only@example.com>',
      'MIME-Version: 1.0',
      'Content-Type: multipart/related; boundary="rel"',
    ],
    [
      '--rel',
      'Content-Type: text/plain; charset=utf-8',
      '',
      'Just a signature with a logo.',
      '--rel',
      'Content-Type: image/png',
      'Content-Transfer-Encoding: base64',
      'Content-ID: <logo2@example.com>',
      '',
      b64(LOGO),
      '--rel--',
      '',
    ].join('\r\n'),
  ),
  noDate: message(['From: robot@example.net', 'To: alice@example.com', 'Subject: Undated notice', 'Message-ID: <undated@example.net>'], 'This notice carries no date header.\r\n'),
  big: message(
    ['From: alice@example.com', 'To: bob@example.com', 'Subject: Large export', 'Date: Mon, 06 Apr 2026 09:00:00 +0000', 'Message-ID: <big@example.com>'],
    `${'lorem ipsum dolor sit amet consectetur '.repeat(5200)}\r\nzebra crossing at the end\r\n`,
  ),
  expunged: message(
    ['From: billing@vendor.example', 'To: bob@example.com', 'Subject: Old invoice 4711', 'Date: Tue, 07 Apr 2026 09:00:00 +0000', 'Message-ID: <invoice-4711@vendor.example>'],
    'Invoice 4711, payable within 30 days.\r\n',
  ),
  inDeletedFolder: message(
    ['From: bob@example.com', 'To: bob@example.com', 'Subject: Project Falcon notes', 'Date: Wed, 08 Apr 2026 09:00:00 +0000', 'Message-ID: <falcon@example.com>'],
    'Falcon is cancelled.\r\n',
  ),
  chinese: message(
    [
      'From: li@example.cn',
      'To: sales@example.com',
      'Subject: =?UTF-8?B?6aKE566X5oql5ZGK?=',
      'Date: Thu, 09 Apr 2026 03:00:00 +0000',
      'Message-ID: <zh@example.cn>',
      'Content-Type: text/plain; charset=utf-8',
      'Content-Transfer-Encoding: base64',
    ],
    `${b64(Buffer.from('我们明天开会讨论预算。', 'utf8'))}\r\n`,
  ),
} as const;

export const ALICE = 'a11ce00000000000000search';
export const SENT = 'a11ce00000000000000sent01';
export const BOB = 'b0b0000000000000000search';
export const OLD = 'b0b00000000000000000old01';
export const SALES = '5a1e5000000000000000sales';

const at = (iso: string) => Date.parse(iso);

export const FOLDERS: SpoolFolder[] = [
  {
    mailboxId: ALICE,
    name: 'user.alice',
    uidValidity: 1001,
    messages: [
      {uid: 1, bytes: MAIL.utf8Plain, flags: ['\\Seen'], internalDate: at('2026-03-02T09:00:05Z')},
      {uid: 2, bytes: MAIL.latin1Qp, flags: ['\\Flagged'], internalDate: at('2026-03-10T11:00:05Z')},
      {uid: 3, bytes: MAIL.sjisBase64, flags: ['\\Seen', '$Label1'], internalDate: at('2026-03-14T23:30:05Z')},
      {uid: 4, bytes: MAIL.utf8Qp, internalDate: at('2026-03-20T16:45:05Z')},
      {uid: 5, bytes: MAIL.htmlOnly, internalDate: at('2026-03-25T07:00:05Z')},
      {uid: 6, bytes: MAIL.withAttachment, flags: ['\\Answered'], internalDate: at('2026-04-01T08:00:05Z')},
      {uid: 7, bytes: MAIL.inlineLogo, internalDate: at('2026-04-02T11:00:05Z')},
      {uid: 8, bytes: MAIL.noDate, internalDate: at('2026-02-01T00:00:00Z')},
    ],
  },
  {mailboxId: SENT, name: 'user.alice.Sent', uidValidity: 1002, messages: [{uid: 1, bytes: MAIL.utf8Plain, flags: ['\\Seen'], internalDate: at('2026-03-02T09:00:01Z')}]},
  {
    mailboxId: BOB,
    name: 'user.bob',
    uidValidity: 1003,
    messages: [
      {uid: 1, bytes: MAIL.big, internalDate: at('2026-04-06T09:00:05Z')},
      {uid: 2, bytes: MAIL.expunged, flags: ['\\Deleted'], internalDate: at('2026-04-07T09:00:05Z'), expunged: true},
    ],
  },
  {mailboxId: OLD, name: 'DELETED.user.bob.Old.5F1234AB', uidValidity: 1004, acl: {bob: 'lrswipkxtecdan'}, messages: [{uid: 1, bytes: MAIL.inDeletedFolder, internalDate: at('2026-04-08T09:00:05Z')}]},
  {mailboxId: SALES, name: 'shared.Sales', uidValidity: 1005, acl: {anyone: 'lrs'}, messages: [{uid: 1, bytes: MAIL.chinese, internalDate: at('2026-04-09T03:00:05Z')}]},
];

export interface Site {
  catalog: string;
  archive: string;
  spool: string;
  env: NodeJS.ProcessEnv;
  /** `bonnie <command> --catalog ... --archive ... <rest of args>` as a process. */
  run(args: string[]): ReturnType<typeof bonnie>;
}

/** Writes the folders under `dir` and archives them with the built `bonnie archive --all`. */
export async function archiveSite(dir: string, folders: SpoolFolder[] = FOLDERS): Promise<Site> {
  const spool = join(dir, 'spool');
  for (const f of folders) writeMailbox(spool, f);
  const site: Site = {
    catalog: join(dir, 'catalog.db'),
    archive: join(dir, 'archive'),
    spool,
    env: {BONNIE_CONFIG: '/dev/null'},
    run: (args) => bonnie([...args.slice(0, 1), '--catalog', site.catalog, '--archive', site.archive, ...args.slice(1)], {env: site.env}),
  };
  const init = await bonnie(['init', '--catalog', site.catalog], {env: {...site.env, BONNIE_ARCHIVE: site.archive}}); // only init creates a catalog
  if (init.code !== 0) throw new Error(`bonnie init failed (${init.code}): ${init.stderr}`);
  const archived = await bonnie(['archive', '--all', '--no-index', '--spool', spool, '--catalog', site.catalog, '--archive', site.archive], {env: site.env});
  if (archived.code !== 0) throw new Error(`bonnie archive failed (${archived.code}): ${archived.stderr}`);
  return site;
}
