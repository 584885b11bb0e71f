/**
 * Rules against one message: its content read once ({@link scanMessage}), each detector run at most once
 * however many rules name it, each rule's scope checked against what is known of the message's place
 * (owner, groups, folder, direction), and every condition explained.
 */
import {formatBytes} from '../../base/config/bytes.js';
import {extractMessage} from '../../core/mail/extract.js';
import {attachmentInstance, inspectAttachment, type AttachmentFinding} from './attachment-types.js';
import {findCards} from './card.js';
import {findEmails, findPhones} from './contact-lists.js';
import {findIbans} from './iban.js';
import {atLeast, highest, type Confidence, type Instance} from './instance.js';
import type {Action, Condition, DetectorName, DetectorTerm, Direction, Rule, Scope, Severity} from './rules.js';

/** Text scanned per message at most: subject, body, attachment names and text attachments. */
const MAX_TEXT_CHARS = 4_000_000;
/** Masked samples kept per hit. */
const MAX_SAMPLES = 3;

/** A message's content as the detectors read it. */
export class MessageScan {
  private readonly cache = new Map<DetectorName, Instance[]>();

  constructor(
    /** Subject, decoded body text, attachment names and the text of text attachments, one per line. */
    readonly text: string,
    /** The message's size as stored. */
    readonly bytes: number,
    /** Every attachment by its content; empty when no rule asked for attachments' content. */
    readonly attachments: readonly AttachmentFinding[],
    /** How many attachments the message has (inline parts too), read or not. */
    readonly attachmentCount: number,
  ) {}

  /** What `term`'s detector finds (before its thresholds). */
  instances(term: DetectorTerm): Instance[] {
    if (term.matcher !== undefined) return term.matcher.find(this.text);
    if (term.detector === 'attachment_type') return this.attachments.filter((a) => a.kinds.some((kind) => term.types?.includes(kind))).map(attachmentInstance);
    if (term.detector === 'size') return this.oversized(term);
    let found = this.cache.get(term.detector);
    if (found === undefined) {
      found = term.detector === 'credit_card' ? findCards(this.text) : term.detector === 'iban' ? findIbans(this.text) : term.detector === 'email_list' ? findEmails(this.text) : findPhones(this.text);
      this.cache.set(term.detector, found);
    }
    return found;
  }

  private oversized(term: DetectorTerm): Instance[] {
    const found: Instance[] = [];
    if (term.messageAbove !== undefined && this.bytes > term.messageAbove) found.push({confidence: 'high', sample: `message: ${formatBytes(this.bytes)}`});
    if (term.attachmentAbove !== undefined) {
      for (const a of this.attachments) if (a.bytes > term.attachmentAbove) found.push({confidence: 'high', sample: `${a.sample.slice(0, a.sample.lastIndexOf(':'))}: ${formatBytes(a.bytes)}`});
    }
    return found;
  }
}

/** Whether any rule needs attachments' bytes (attachment types, attachment sizes): decoding them costs. */
export function needsAttachmentContent(rules: readonly Rule[]): boolean {
  const needs = (c: Condition): boolean => (c.kind === 'term' ? c.detector === 'attachment_type' || c.attachmentAbove !== undefined : c.of.some(needs));
  return rules.some((rule) => needs(rule.condition));
}

/** Reads a message for the detectors; with `attachmentContent`, every attachment's type by its bytes. */
export async function scanMessage(bytes: Uint8Array, options: {attachmentContent: boolean}): Promise<MessageScan> {
  const {doc, attachments} = await extractMessage(bytes, {attachmentContent: options.attachmentContent});
  const parts = [doc.subject, doc.body];
  const decoder = new TextDecoder();
  for (const a of attachments) {
    if (a.filename !== '') parts.push(a.filename);
    if (/^text\//i.test(a.mimeType) && a.content.length > 0) parts.push(decoder.decode(a.content));
  }
  // No-break and other Unicode spaces read as spaces; invisible characters (soft hyphen, zero-width) are
  // dropped: "4111&nbsp;1111..." or a number with zero-width spaces inside is still a number.
  const text = parts.join('\n').slice(0, MAX_TEXT_CHARS).replace(/[\u00a0\u2000-\u200a\u202f\u205f\u3000]/g, ' ').replace(/[\u00ad\u200b-\u200d\u2060\ufeff]/g, '');
  const findings = options.attachmentContent ? await Promise.all(attachments.map((a) => inspectAttachment(a.filename, a.content))) : [];
  return new MessageScan(text, bytes.length, findings, attachments.length);
}

/** Where the message is, as far as it is known; a scope part about something unknown is not checked. */
export interface MessageContext {
  /** The mailbox owner's login. */
  user?: string | undefined;
  /** The owner's groups (from the directory). */
  groups?: readonly string[] | undefined;
  folder?: string | undefined;
  /** null: neither in nor out (an APPEND that is not sent mail: direction.ts); a rule scoped to a direction does not apply. */
  direction?: Direction | null | undefined;
}

/** One detector term's outcome; `count` counts only instances at `minConfidence` or above. */
export interface TermResult {
  kind: 'term';
  detector: DetectorName;
  /** The term as the rule file wrote it (`keywords confidential near project within 300`). */
  label: string;
  matched: boolean;
  count: number;
  minCount: number;
  minConfidence: Confidence;
  /** The highest confidence among the counted instances; null when none counted. */
  confidence: Confidence | null;
  /** Up to three masked samples of counted instances. */
  samples: string[];
  /** Why the first counted instance has its confidence (null when none counted or nothing to say). */
  evidence: string | null;
  /** Instances found below minConfidence (not counted). */
  below: number;
}

export interface CombinationResult {
  kind: 'all' | 'any';
  matched: boolean;
  of: ConditionResult[];
}

export type ConditionResult = TermResult | CombinationResult;

export interface ScopeResult {
  matched: boolean;
  /** Scope parts not checked because the context does not say (`folders`, `direction`). */
  unchecked: string[];
  /** The first part that did not match; null when all did. */
  reason: string | null;
}

/** A hit: a detector term that matched, as an alert records it (masked samples only). */
export interface Hit {
  detector: DetectorName;
  count: number;
  confidence: Confidence;
  samples: string[];
}

export interface RuleResult {
  rule: string;
  severity: Severity;
  matched: boolean;
  actions: readonly Action[];
  scope: ScopeResult;
  condition: ConditionResult;
  /** The matched terms of a matched condition (empty when the rule did not match). */
  hits: Hit[];
}

/** Every rule against one message, in the rule file's order. */
export function evaluateRules(rules: readonly Rule[], scan: MessageScan, context: MessageContext = {}): RuleResult[] {
  return rules.map((rule) => {
    const scope = checkScope(rule.scope, context);
    const condition = evaluateCondition(rule.condition, scan);
    const matched = scope.matched && condition.matched;
    return {rule: rule.name, severity: rule.severity, matched, actions: rule.actions, scope, condition, hits: matched ? hitsOf(condition) : []};
  });
}

function evaluateCondition(condition: Condition, scan: MessageScan): ConditionResult {
  if (condition.kind !== 'term') {
    const of = condition.of.map((child) => evaluateCondition(child, scan));
    return {kind: condition.kind, matched: condition.kind === 'all' ? of.every((r) => r.matched) : of.some((r) => r.matched), of};
  }
  const all = scan.instances(condition);
  const counted = all.filter((i) => atLeast(i.confidence, condition.minConfidence));
  return {
    kind: 'term',
    detector: condition.detector,
    label: condition.label,
    matched: counted.length >= condition.minCount,
    count: counted.length,
    minCount: condition.minCount,
    minConfidence: condition.minConfidence,
    confidence: counted.length === 0 ? null : highest(counted.map((i) => i.confidence)),
    samples: [...new Set(counted.map((i) => i.sample))].slice(0, MAX_SAMPLES),
    evidence: counted[0]?.evidence ?? null,
    below: all.length - counted.length,
  };
}

/** The terms that made a matched condition match (an `any`'s matched branches, an `all`'s every branch). */
function hitsOf(result: ConditionResult): Hit[] {
  if (!result.matched) return [];
  if (result.kind !== 'term') return result.of.flatMap(hitsOf);
  return [{detector: result.detector, count: result.count, confidence: result.confidence ?? 'low', samples: result.samples}];
}

/** IMAP LIST patterns: `*` anything, `%` anything but the hierarchy separator. */
export function folderPattern(pattern: string): RegExp {
  const body = pattern.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/%/g, '[^/]*');
  return new RegExp(`^${body}$`);
}

function checkScope(scope: Scope, context: MessageContext): ScopeResult {
  const unchecked: string[] = [];
  const lower = (values: readonly string[]) => new Set(values.map((v) => v.toLowerCase()));
  const checks: Array<[part: string, wanted: unknown, known: unknown, test: () => boolean, reason: () => string]> = [
    ['users', scope.users, context.user, () => lower(scope.users ?? []).has((context.user ?? '').toLowerCase()), () => `user ${context.user} is not in users`],
    ['groups', scope.groups, context.groups, () => (context.groups ?? []).some((g) => lower(scope.groups ?? []).has(g.toLowerCase())), () => 'none of the groups is in groups'],
    ['folders', scope.folders, context.folder, () => (scope.folders ?? []).some((p) => folderPattern(p).test(context.folder ?? '')), () => `folder ${context.folder} matches no folders pattern`],
    ['direction', scope.direction, context.direction, () => scope.direction === context.direction, () => `direction is ${context.direction ?? 'neither in nor out (an APPEND that is not mail sent outside)'}, the rule wants ${scope.direction}`],
  ];
  for (const [part, wanted, known, test, reason] of checks) {
    if (wanted === undefined) continue;
    if (known === undefined) unchecked.push(part);
    else if (!test()) return {matched: false, unchecked, reason: reason()};
  }
  return {matched: true, unchecked, reason: null};
}
