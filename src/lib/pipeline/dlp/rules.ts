/**
 * DLP rules: one YAML file (setting `dlp_rules`, default /etc/bonnie/dlp.yaml), read with the `yaml` package
 * so that every mistake, of syntax or of meaning, is reported with its line and column.
 *
 *   rules:
 *     - name: cards-leaving
 *       severity: high                    # low | medium | high | critical
 *       condition:                        # a detector term, or all: / any: of conditions
 *         any:
 *           - {detector: credit_card, min_count: 1, min_confidence: high}
 *           - {detector: iban, min_count: 5}
 *       scope: {direction: out, groups: [finance], folders: ['Sent*']}   # every part optional
 *       actions: [alert, notify]
 *
 * Detectors and what they take besides `min_count` (default 1) and `min_confidence` (default medium):
 * credit_card, iban, email_list, phone_list (nothing); keywords (`words`, optional `near`, `within`);
 * regex (`pattern`, optional `ignore_case`, `near`, `within`); attachment_type (`types`: executable,
 * archive, encrypted, encrypted_zip, encrypted_7z, encrypted_pdf); size (`message_above` and/or
 * `attachment_above`: 10MB, 500kB, 2MiB).
 *
 * Behaviour rules sit in the same file; their condition is one behaviour over the record, alone (not inside
 * all:/any:), and their scope takes users (the person who acted) and folders (as the owner sees them,
 * `Projects/*`, or the admin name, `user.alice.Projects.*`):
 *
 *     - name: mass-delete
 *       severity: high
 *       condition: {behaviour: mass_delete, min_count: 50, within: 1m}   # N messages expunged by one person within T
 *     - name: public-folder
 *       severity: medium
 *       condition: {behaviour: shared_to_anyone}                           # a folder's ACL lets anyone/anonymous read (r)
 *     - {name: mass-read, severity: medium, condition: {behaviour: mass_read, min_count: 500, within: 10m}}   # N messages read (\Seen set)
 *     - {name: new-address, severity: low, condition: {behaviour: new_client_address}}                       # a login from an address new for the person
 *     - {name: emptied, severity: high, condition: {behaviour: emptied_before_delete, within: 1h, min_count: 10, min_fraction: 0.5}}
 *
 * A {@link RuleSet} keeps the rules it last loaded: a reload that fails returns its error and leaves them in
 * force, so a typo in the file never turns data-loss prevention off.
 */
import {readFileSync} from 'node:fs';
import {isMap, isScalar, isSeq, LineCounter, parseDocument, type Node as YamlNode} from 'yaml';
import {BonnieError} from '../../base/errors.js';
import {parseDuration} from '../../base/config/duration.js';
import {ATTACHMENT_KINDS, type AttachmentKind} from './attachment-types.js';
import {CONFIDENCES, type Confidence} from './instance.js';
import {DEFAULT_WITHIN, TermMatcher} from './keywords.js';

export const SEVERITIES = ['low', 'medium', 'high', 'critical'] as const;
export type Severity = (typeof SEVERITIES)[number];
export const DIRECTIONS = ['in', 'out'] as const;
export type Direction = (typeof DIRECTIONS)[number];
/** What a rule may ask for when it matches; carried out by the alerting stage. */
export const ACTIONS = ['alert', 'notify'] as const;
export type Action = (typeof ACTIONS)[number];
export const DETECTORS = ['credit_card', 'iban', 'email_list', 'phone_list', 'keywords', 'regex', 'attachment_type', 'size'] as const;
export type DetectorName = (typeof DETECTORS)[number];
/** Behaviour detectors over the record (issue 15, 3): see behaviour.ts. */
export const BEHAVIOURS = ['mass_delete', 'shared_to_anyone', 'mass_read', 'new_client_address', 'emptied_before_delete'] as const;
export type BehaviourName = (typeof BEHAVIOURS)[number];
/** mass_delete's defaults: 50 messages within 1 minute. */
export const DEFAULT_MASS_DELETE = {minCount: 50, withinMs: 60_000} as const;
/** mass_read's defaults: 500 messages within 10 minutes. */
export const DEFAULT_MASS_READ = {minCount: 500, withinMs: 600_000} as const;
/** emptied_before_delete's defaults: 10 messages and half of the account expunged within the hour before its deletion. */
export const DEFAULT_EMPTIED = {minCount: 10, withinMs: 3_600_000, minFraction: 0.5} as const;

/** One detector with its thresholds. */
export interface DetectorTerm {
  kind: 'term';
  detector: DetectorName;
  minCount: number;
  minConfidence: Confidence;
  /** keywords, regex: the compiled term. */
  matcher?: TermMatcher | undefined;
  /** What the rule file said, for explanations (`words: confidential, secret`). */
  label: string;
  /** attachment_type. */
  types?: readonly AttachmentKind[] | undefined;
  /** size, in bytes. */
  messageAbove?: number | undefined;
  attachmentAbove?: number | undefined;
}

export interface Combination {
  kind: 'all' | 'any';
  of: Condition[];
}

export type Condition = DetectorTerm | Combination;

/** Where a rule applies; an absent part applies everywhere. */
export interface Scope {
  users?: readonly string[] | undefined;
  groups?: readonly string[] | undefined;
  /** Folder patterns: `*` any characters, `%` any but the hierarchy separator `/` (IMAP LIST). */
  folders?: readonly string[] | undefined;
  direction?: Direction | undefined;
}

export interface Rule {
  name: string;
  severity: Severity;
  condition: Condition;
  scope: Scope;
  actions: readonly Action[];
  /** Line of the rule in its file. */
  line: number;
}

/** A rule over what people do, read from the record (not over a message's content). */
export interface BehaviourRule {
  name: string;
  severity: Severity;
  behaviour: BehaviourName;
  /** mass_delete: messages expunged by one person ... */
  minCount: number;
  /** ... within this many ms. */
  withinMs: number;
  /** emptied_before_delete: the share of the account's messages expunged (0 < f <= 1). */
  minFraction?: number | undefined;
  /** users: the person who acted; folders: the folder acted on. */
  scope: Pick<Scope, 'users' | 'folders'>;
  actions: readonly Action[];
  line: number;
}

/** A rule file: its content rules and its behaviour rules, each in the file's order (names unique across both). */
export interface RuleFile {
  rules: Rule[];
  behaviour: BehaviourRule[];
}

/** Reads and parses a rule file's content rules; DlpRulesUnreadable or DlpRulesInvalid. */
export function loadRulesFile(file: string): Rule[] {
  return loadRuleFile(file).rules;
}

/** Reads and parses a whole rule file (content and behaviour rules); DlpRulesUnreadable or DlpRulesInvalid. */
export function loadRuleFile(file: string): RuleFile {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (error as Error).message;
    throw new BonnieError('DlpRulesUnreadable', `cannot read the DLP rules ${file}: ${reason}`, {
      hint: 'Write the rules there (see bonnie-dlp-test(1) for the format), or point dlp_rules (BONNIE_DLP_RULES) at them.',
      cause: error,
    });
  }
  return parseRuleFile(text, file);
}

/** The content rules of a rule file's text (`source` names it in errors); throws DlpRulesInvalid with line and column. */
export function parseRules(text: string, source: string): Rule[] {
  return parseRuleFile(text, source).rules;
}

/** Parses the text of a rule file (`source` names it in errors); throws DlpRulesInvalid with line and column. */
export function parseRuleFile(text: string, source: string): RuleFile {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, {lineCounter, prettyErrors: false, uniqueKeys: true});
  const fail = (message: string, offset: number | undefined): never => {
    const at = offset === undefined ? {line: 1, col: 1} : lineCounter.linePos(offset);
    throw new BonnieError('DlpRulesInvalid', `${source}:${at.line}:${at.col}: ${message}`, {
      hint: 'Fix the rule file at that line and column; rules already loaded stay in force until it loads.',
    });
  };
  const syntax = doc.errors[0];
  if (syntax !== undefined) fail(syntax.message.split('\n')[0]?.replace(/ at line \d+, column \d+:?$/, '') ?? 'invalid YAML', syntax.pos[0]);
  const reader = new NodeReader(fail);
  const root = reader.map(doc.contents, 'the file', ['rules']);
  const list = root.get('rules');
  if (list === undefined) return fail('no "rules:" list', doc.contents?.range?.[0]);
  const items = reader.seq(list, 'rules');
  const names = new Set<string>();
  const file: RuleFile = {rules: [], behaviour: []};
  for (const item of items) {
    const rule = reader.map(item, 'a rule', ['name', 'severity', 'condition', 'scope', 'actions', 'description']);
    const name = reader.string(reader.required(rule, 'name', item), 'name');
    if (names.has(name)) fail(`a second rule named "${name}"`, rule.get('name')?.range?.[0]);
    names.add(name);
    const scopeNode = rule.get('scope');
    const severity = reader.oneOf(reader.required(rule, 'severity', item), 'severity', SEVERITIES);
    const conditionNode = reader.required(rule, 'condition', item);
    const actions = rule.get('actions') === undefined ? (['alert'] as const) : reader.seq(rule.get('actions') as YamlNode, 'actions').map((a) => reader.oneOf(a, 'an action', ACTIONS));
    const line = lineCounter.linePos(item.range?.[0] ?? 0).line;
    if (isMap(conditionNode) && conditionNode.has('behaviour')) {
      const scope = scopeNode === undefined ? {} : readScope(reader, scopeNode, ['users', 'folders']);
      file.behaviour.push({name, severity, ...readBehaviour(reader, conditionNode), scope, actions, line});
    } else {
      file.rules.push({name, severity, condition: readCondition(reader, conditionNode), scope: scopeNode === undefined ? {} : readScope(reader, scopeNode), actions, line});
    }
  }
  return file;
}

function readBehaviour(reader: NodeReader, node: YamlNode): Pick<BehaviourRule, 'behaviour' | 'minCount' | 'withinMs' | 'minFraction'> {
  const any = reader.map(node, 'a condition', undefined);
  const behaviour = reader.oneOf(any.get('behaviour') as YamlNode, 'behaviour', BEHAVIOURS);
  if (behaviour === 'shared_to_anyone' || behaviour === 'new_client_address') {
    reader.map(node, `the ${behaviour} condition`, ['behaviour']);
    return {behaviour, minCount: 1, withinMs: 0};
  }
  const emptied = behaviour === 'emptied_before_delete';
  const keys = reader.map(node, `the ${behaviour} condition`, ['behaviour', 'min_count', 'within', ...(emptied ? ['min_fraction'] : [])]);
  const count = keys.get('min_count');
  const within = keys.get('within');
  const fraction = keys.get('min_fraction');
  const defaults = emptied ? DEFAULT_EMPTIED : behaviour === 'mass_read' ? DEFAULT_MASS_READ : DEFAULT_MASS_DELETE;
  return {
    behaviour,
    minCount: count === undefined ? defaults.minCount : reader.integer(count, 'min_count', emptied ? 1 : 2),
    withinMs: within === undefined ? defaults.withinMs : reader.duration(within, 'within'),
    minFraction: !emptied ? undefined : fraction === undefined ? DEFAULT_EMPTIED.minFraction : reader.fraction(fraction, 'min_fraction'),
  };
}

function readCondition(reader: NodeReader, node: YamlNode): Condition {
  const keys = reader.map(node, 'a condition', undefined);
  for (const kind of ['all', 'any'] as const) {
    const list = keys.get(kind);
    if (list === undefined) continue;
    if (keys.size > 1) reader.fail(`a condition is a detector or ${kind}: alone`, node);
    const of = reader.seq(list, kind).map((child) => readCondition(reader, child));
    if (of.length === 0) reader.fail(`${kind}: lists no condition`, list);
    return {kind, of};
  }
  return readTerm(reader, node);
}

const TERM_KEYS: Record<DetectorName, readonly string[]> = {
  credit_card: [],
  iban: [],
  email_list: [],
  phone_list: [],
  keywords: ['words', 'near', 'within'],
  regex: ['pattern', 'ignore_case', 'near', 'within'],
  attachment_type: ['types'],
  size: ['message_above', 'attachment_above'],
};

function readTerm(reader: NodeReader, node: YamlNode): DetectorTerm {
  const any = reader.map(node, 'a condition', undefined);
  if (any.has('behaviour')) return reader.fail('a behaviour is a rule\'s whole condition, not part of all: or any:', node);
  const detectorNode = any.get('detector');
  if (detectorNode === undefined) return reader.fail('a condition needs detector:, all: or any:', node);
  const detector = reader.oneOf(detectorNode, 'detector', DETECTORS);
  const keys = reader.map(node, `the ${detector} condition`, ['detector', 'min_count', 'min_confidence', ...TERM_KEYS[detector]]);
  const count = keys.get('min_count');
  const confidence = keys.get('min_confidence');
  const term: DetectorTerm = {
    kind: 'term',
    detector,
    minCount: count === undefined ? 1 : reader.integer(count, 'min_count', 1),
    minConfidence: confidence === undefined ? 'medium' : reader.oneOf(confidence, 'min_confidence', CONFIDENCES),
    label: detector,
  };
  const near = keys.get('near') === undefined ? undefined : reader.strings(keys.get('near') as YamlNode, 'near');
  const within = keys.get('within') === undefined ? undefined : reader.integer(keys.get('within') as YamlNode, 'within', 1);
  const nearLabel = near === undefined ? '' : ` near ${near.join(', ')} within ${within ?? DEFAULT_WITHIN}`;
  if (detector === 'keywords') {
    const words = reader.strings(reader.required(keys, 'words', node), 'words');
    term.matcher = new TermMatcher({words, near, within});
    term.label = `keywords ${words.join(', ')}${nearLabel}`;
  } else if (detector === 'regex') {
    const patternNode = reader.required(keys, 'pattern', node);
    const source = reader.string(patternNode, 'pattern');
    const ignoreCase = keys.get('ignore_case') === undefined ? false : reader.boolean(keys.get('ignore_case') as YamlNode, 'ignore_case');
    let pattern: RegExp;
    try {
      // Unicode mode only when the pattern needs it (\p{...}, \u{...}): with 'i' it costs V8 ~25 times the time.
      const unicode = /\\[pPu]\{/.test(source) ? 'u' : '';
      pattern = new RegExp(source, `g${ignoreCase ? 'i' : ''}${unicode}`);
    } catch (error) {
      return reader.fail(`pattern is not a regular expression: ${(error as Error).message}`, patternNode);
    }
    if (pattern.test('')) reader.fail('pattern matches the empty text', patternNode);
    term.matcher = new TermMatcher({pattern, near, within});
    term.label = `regex /${source}/${ignoreCase ? 'i' : ''}${nearLabel}`;
  } else if (detector === 'attachment_type') {
    term.types = reader.seq(reader.required(keys, 'types', node), 'types').map((t) => reader.oneOf(t, 'a type', ATTACHMENT_KINDS));
    term.label = `attachment_type ${term.types.join(', ')}`;
  } else if (detector === 'size') {
    const message = keys.get('message_above');
    const attachment = keys.get('attachment_above');
    if (message === undefined && attachment === undefined) reader.fail('size needs message_above or attachment_above', node);
    term.messageAbove = message === undefined ? undefined : reader.size(message, 'message_above');
    term.attachmentAbove = attachment === undefined ? undefined : reader.size(attachment, 'attachment_above');
    term.label = ['size', message && `message above ${reader.string(message, 'message_above')}`, attachment && `attachment above ${reader.string(attachment, 'attachment_above')}`].filter(Boolean).join(' ');
  }
  return term;
}

function readScope(reader: NodeReader, node: YamlNode, allowed: readonly string[] = ['users', 'groups', 'folders', 'direction']): Scope {
  const keys = reader.map(node, 'scope', allowed);
  const list = (key: string) => (keys.get(key) === undefined ? undefined : reader.strings(keys.get(key) as YamlNode, key));
  return {
    users: list('users'),
    groups: list('groups'),
    folders: list('folders'),
    direction: keys.get('direction') === undefined ? undefined : reader.oneOf(keys.get('direction') as YamlNode, 'direction', DIRECTIONS),
  };
}

/** Size units: decimal as bonnie prints sizes (formatBytes), binary when written so. */
const SIZE_UNITS: Record<string, number> = {b: 1, kb: 1e3, mb: 1e6, gb: 1e9, kib: 1024, mib: 1024 ** 2, gib: 1024 ** 3};

/** Typed reads of YAML nodes; each failure names the node's position. */
class NodeReader {
  constructor(private readonly failAt: (message: string, offset: number | undefined) => never) {}

  fail(message: string, node: YamlNode | null | undefined): never {
    return this.failAt(message, node?.range?.[0]);
  }

  /** A mapping's values by key; with `allowed`, any other key is refused. */
  map(node: YamlNode | null | undefined, what: string, allowed: readonly string[] | undefined): Map<string, YamlNode> {
    if (!isMap(node)) return this.fail(`${what} must be a mapping (key: value)`, node);
    const out = new Map<string, YamlNode>();
    for (const pair of node.items) {
      const key = isScalar(pair.key) ? String(pair.key.value) : undefined;
      if (key === undefined) return this.fail('keys must be plain names', pair.key as YamlNode);
      if (allowed !== undefined && !allowed.includes(key)) this.fail(`unknown key "${key}" in ${what} (known: ${allowed.join(', ')})`, pair.key as YamlNode);
      if (!(pair.value === null || pair.value === undefined)) out.set(key, pair.value as YamlNode);
      else this.fail(`"${key}" has no value`, pair.key as YamlNode);
    }
    return out;
  }

  required(keys: Map<string, YamlNode>, key: string, parent: YamlNode): YamlNode {
    return keys.get(key) ?? this.fail(`"${key}" is missing`, parent);
  }

  seq(node: YamlNode, what: string): YamlNode[] {
    if (!isSeq(node)) return this.fail(`${what} must be a list`, node);
    return node.items as YamlNode[];
  }

  string(node: YamlNode, what: string): string {
    if (!isScalar(node) || (typeof node.value !== 'string' && typeof node.value !== 'number') || String(node.value).trim() === '') return this.fail(`${what} must be a text`, node);
    return String(node.value);
  }

  strings(node: YamlNode, what: string): string[] {
    const list = isSeq(node) ? (node.items as YamlNode[]) : [node];
    const values = list.map((item) => this.string(item, what));
    if (values.length === 0) this.fail(`${what} is empty`, node);
    return values;
  }

  oneOf<T extends string>(node: YamlNode, what: string, values: readonly T[]): T {
    const value = isScalar(node) ? node.value : undefined;
    if (typeof value !== 'string' || !values.includes(value as T)) return this.fail(`${what} must be one of ${values.join(', ')}`, node);
    return value as T;
  }

  integer(node: YamlNode, what: string, min: number): number {
    const value = isScalar(node) ? node.value : undefined;
    if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min) return this.fail(`${what} must be a whole number of at least ${min}`, node);
    return value;
  }

  boolean(node: YamlNode, what: string): boolean {
    const value = isScalar(node) ? node.value : undefined;
    if (typeof value !== 'boolean') return this.fail(`${what} must be true or false`, node);
    return value;
  }

  /** A number in (0, 1]. */
  fraction(node: YamlNode, what: string): number {
    const value = isScalar(node) ? node.value : undefined;
    if (typeof value !== 'number' || !(value > 0 && value <= 1)) return this.fail(`${what} must be a number above 0 and at most 1, such as 0.5`, node);
    return value;
  }

  /** A duration such as 30s, 1m, 2h (whole or decimal, in ms). */
  duration(node: YamlNode, what: string): number {
    const ms = isScalar(node) ? parseDuration(String(node.value)) : undefined;
    if (ms === undefined || ms < 1000) return this.fail(`${what} must be a duration of at least 1s, such as 30s, 1m or 2h`, node);
    return ms;
  }

  size(node: YamlNode, what: string): number {
    const text = isScalar(node) ? String(node.value) : '';
    const match = /^\s*(\d+(?:\.\d+)?)\s*([kmg]i?b|b)?\s*$/i.exec(text);
    const unit = SIZE_UNITS[(match?.[2] ?? 'b').toLowerCase()];
    if (match === null || unit === undefined) return this.fail(`${what} must be a size such as 10MB, 500kB or 2MiB`, node);
    return Math.round(Number(match[1]) * unit);
  }
}

/**
 * The rules in force, loaded from one file. {@link RuleSet.reload} replaces them only when the file loads
 * whole: on failure it returns the error and the previous rules stay (issue 15: a malformed file never
 * turns data-loss prevention off).
 */
export class RuleSet {
  private current: RuleFile;

  private constructor(readonly file: string, rules: RuleFile) {
    this.current = rules;
  }

  /**
   * The rules of `file` for a process that runs without them too (`bonnie process`, the collector):
   * undefined when there is no such file (DLP not set up); when it cannot be read or is invalid, `warn` says
   * so and undefined is returned: the record and the archive go on, without DLP, and the operator is told.
   * With `orEmpty` (long runs that follow the file), an empty rule set instead of undefined, which
   * {@link reload} fills once the file appears or is mended.
   */
  static loadIfPresent(file: string, warn: (message: string) => void, options: {orEmpty?: boolean} = {}): RuleSet | undefined {
    try {
      return RuleSet.load(file);
    } catch (error) {
      if (!(error instanceof BonnieError)) throw error;
      const missing = error.code === 'DlpRulesUnreadable' && (error.cause as NodeJS.ErrnoException | undefined)?.code === 'ENOENT';
      if (!missing) warn(`${error.message}: data-loss prevention is off ${options.orEmpty === true ? 'until the file loads' : 'for this run'}`);
      return options.orEmpty === true ? RuleSet.empty(file) : undefined;
    }
  }

  /** No rules yet (evaluates nothing) for `file`: {@link reload} reads it when it exists. */
  static empty(file: string): RuleSet {
    return new RuleSet(file, {rules: [], behaviour: []});
  }

  /** Loads `file`; throws DlpRulesUnreadable or DlpRulesInvalid (nothing is in force yet to fall back on). */
  static load(file: string): RuleSet {
    return new RuleSet(file, loadRuleFile(file));
  }

  /** The content rules in force. */
  get rules(): readonly Rule[] {
    return this.current.rules;
  }

  /** The behaviour rules in force. */
  get behaviour(): readonly BehaviourRule[] {
    return this.current.behaviour;
  }

  /** Reads the file again: undefined when the new rules are in force, the error when the old ones stay. */
  reload(): BonnieError | undefined {
    try {
      this.current = loadRuleFile(this.file);
      return undefined;
    } catch (error) {
      if (error instanceof BonnieError) return error;
      throw error;
    }
  }
}
