/**
 * `bonnie dlp test <rule-file> <message.eml>`: every rule of a file against one message, explained. Nothing
 * is stored and nothing is sent; what a detector matched appears masked only (never the secret in clear,
 * nor the subject, which is scanned like the body and may hold one).
 */
import {readFileSync} from 'node:fs';
import {readHeader} from '../../core/mail/headers.js';
import {BonnieError} from '../../base/errors.js';
import {evaluateRules, needsAttachmentContent, scanMessage, type MessageContext, type RuleResult} from './evaluate.js';
import {loadRulesFile, type Direction} from './rules.js';

export interface DlpTestReport {
  rulesFile: string;
  message: {file: string; bytes: number; messageId: string | null; attachments: number};
  /** What was said of the message's place (--user, --group, --folder, --direction); null: not said. */
  context: {user: string | null; groups: string[]; folder: string | null; direction: Direction | null};
  /** Names of the rules that matched, in the file's order. */
  matched: string[];
  rules: RuleResult[];
}

/** Loads the rules (DlpRulesUnreadable, DlpRulesInvalid), reads the message (DlpMessageUnreadable) and evaluates. */
export async function testRules(rulesFile: string, messageFile: string, context: MessageContext = {}): Promise<DlpTestReport> {
  const rules = loadRulesFile(rulesFile);
  let bytes: Buffer;
  try {
    bytes = readFileSync(messageFile);
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (error as Error).message;
    throw new BonnieError('DlpMessageUnreadable', `cannot read the message ${messageFile}: ${reason}`, {
      hint: 'Give a message file as saved from a mail client or exported by bonnie export (RFC 5322, .eml).',
      cause: error,
    });
  }
  const scan = await scanMessage(bytes, {attachmentContent: needsAttachmentContent(rules)});
  const results = evaluateRules(rules, scan, context);
  return {
    rulesFile,
    message: {file: messageFile, bytes: bytes.length, messageId: readHeader(bytes).get('message-id') ?? null, attachments: scan.attachmentCount},
    context: {user: context.user ?? null, groups: [...(context.groups ?? [])], folder: context.folder ?? null, direction: context.direction ?? null},
    matched: results.filter((r) => r.matched).map((r) => r.rule),
    rules: results,
  };
}
