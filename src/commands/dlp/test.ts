import {Args, Flags} from '#oclif';
import {BonnieCommand} from '../../lib/cli/base-command.js';
import {testRules, type DlpTestReport} from '../../lib/pipeline/dlp/dlp-test.js';
import {renderDlpTest} from '../../lib/pipeline/dlp/render.js';

export default class DlpTestCommand extends BonnieCommand {
  static override summary = 'Check a message against a DLP rule file: which rules match, and why.';
  static override description = `Reads RULES (the YAML format of dlp_rules, /etc/bonnie/dlp.yaml by default) and MESSAGE (an RFC 5322
message, .eml), runs every rule's detectors over the message's decoded text (subject, body in every charset,
HTML as text, attachment names, text attachments) and its attachments' bytes, and prints each rule, matched or
not, with each detector's count, confidence (low, medium, high) and up to three masked samples
(4111 **** **** 1111, DE89 **** **** **** **** 00): what matched is never printed in clear. Nothing is
stored or sent.

The rule file:

  rules:
    - name: cards-leaving
      severity: high        # low, medium, high or critical
      condition:            # a detector, or all: / any: of conditions
        any:
          - {detector: credit_card, min_count: 1, min_confidence: high}
          - detector: keywords
            words: [confidential]
            near: [invoice]
            within: 200
      scope:
        direction: out
        groups: [finance]
        users: [alice]
        folders: ['Sent*']
      actions: [alert, notify]

Every detector takes min_count (default 1) and min_confidence (low, medium or high; default medium). A
mistake in the file is reported with its line and column.

A rule's scope is checked against --user, --group, --folder and --direction when given; a part of the scope
that they do not give is reported as not checked, and does not stop the rule from matching.

Detectors: credit_card (Luhn checksum, issuer prefix and length, card keywords or an expiry date within 300
characters for high confidence), iban (ISO 13616 mod-97), email_list and phone_list (distinct items;
min_count is the list's size), keywords and regex (with near: and within: for proximity), attachment_type
(by magic bytes: executable, archive, encrypted, encrypted_zip, encrypted_7z, encrypted_pdf), size.

Exits 0 whether or not a rule matched; 3 when the rule file is unreadable or invalid (the message names the
line and column), 1 when the message cannot be read.

--json prints {rulesFile, message: {file, bytes, messageId, attachments}, context, matched: [rule names],
rules: [{rule, severity, matched, actions, scope: {matched, unchecked, reason}, condition, hits: [{detector,
count, confidence, samples}]}]}, where condition is {kind: all|any, matched, of: [conditions]} or {kind:
term, detector, label, matched, count, minCount, minConfidence, confidence, samples, evidence, below}.
Fields may be added, never removed or renamed.`;
  static override examples = [
    '<%= config.bin %> <%= command.id %> /etc/bonnie/dlp.yaml suspicious.eml',
    '<%= config.bin %> <%= command.id %> dlp.yaml sent.eml --user alice --folder Sent --direction out --json',
  ];
  static override args = {
    rules: Args.string({description: 'The DLP rule file (YAML).', required: true}),
    message: Args.string({description: 'The message file (RFC 5322, .eml).', required: true}),
  };
  static override flags = {
    user: Flags.string({helpValue: 'LOGIN', description: "The mailbox owner, for rules scoped to users."}),
    group: Flags.string({helpValue: 'NAME', multiple: true, description: "A group of the owner, for rules scoped to groups (repeatable)."}),
    folder: Flags.string({helpValue: 'FOLDER', description: 'The folder the message is in, for rules scoped to folders.'}),
    direction: Flags.option({options: ['in', 'out'] as const, description: 'in: delivered to the owner; out: sent by the owner (appended to a Sent folder).'})(),
  };

  async run(): Promise<DlpTestReport> {
    const {args, flags} = await this.parse(DlpTestCommand);
    const report = await testRules(args.rules, args.message, {user: flags.user, groups: flags.group, folder: flags.folder, direction: flags.direction});
    if (!this.jsonEnabled()) this.log(renderDlpTest(report));
    return report;
  }
}
