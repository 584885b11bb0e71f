#!/usr/bin/env node
/**
 * Benchmark: data-loss prevention's content rules (issue 15). It generates a corpus of messages (plain and HTML
 * bodies, attachments) in which it plants positives, one kind per message (card numbers with evidence, IBANs,
 * e-mail and phone lists, keywords near each other, patterns, an encrypted ZIP, an executable named .txt...),
 * near-miss decoys (Luhn-invalid numbers, IBANs with a wrong check digit, card words without a number, a plain
 * ZIP, a text that starts with "MZ", lists one short of the threshold, keywords too far apart) and ordinary
 * mail, then runs 20 content rules over every message, as `bonnie process` and the collector will, and reports:
 * - recall: planted messages matched by the rule planted for (target 100%);
 * - false positives: decoys and ordinary messages matched by any rule (target 0);
 * - messages/s through the 20 rules (extraction with attachments' bytes, detectors, rules), against the same
 *   run's baseline: the extraction alone (with attachments' bytes, what DLP needs; and without, what search
 *   does). Target: >= 2,000 msg/s on the 2-core machine. One process, one message at a time.
 * The rates are reported with their ratio to the baseline of the same run: the machine is shared and noisy.
 * Reports, never gates.
 *
 * Usage: node bench/dlp.js [--messages N] [--rounds N] [--json]        (run `npm run build` first)
 */
import {existsSync} from 'node:fs';
import {dirname, join} from 'node:path';
import {fileURLToPath, pathToFileURL} from 'node:url';

const ROOT = dirname(dirname(fileURLToPath(import.meta.url)));
const DIST = join(ROOT, 'dist', 'lib');
const DEFAULT_MESSAGES = 5_000;
const DEFAULT_ROUNDS = 3;
/** Issue 15: messages per second through 20 content rules, on the 2-core machine. */
const TARGET_RATE = 2_000;

const USAGE = `usage: node bench/dlp.js [--messages N] [--rounds N] [--json]
Runs 20 DLP content rules (dist/) over a generated corpus with planted positives and decoys.
  --messages N  messages to generate (default ${DEFAULT_MESSAGES}); a quarter planted, a quarter decoys
  --rounds N    measured rounds of each variant, order rotating (default ${DEFAULT_ROUNDS}); medians are shown
  --json        one JSON object (type "benchmark", name "dlp") instead of the table
`;

function parseArgs(argv) {
  const options = {messages: DEFAULT_MESSAGES, rounds: DEFAULT_ROUNDS, json: false};
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--json') options.json = true;
    else if (arg === '--messages' || arg === '--rounds') {
      const value = Number(argv[++i]);
      if (!Number.isInteger(value) || value < 1) { process.stderr.write(`${arg} needs a whole number >= 1\n${USAGE}`); process.exit(2); }
      options[arg.slice(2)] = value;
    } else if (arg === '--help' || arg === '-h') { process.stdout.write(USAGE); process.exit(0); }
    else { process.stderr.write(`unknown argument "${arg}"\n${USAGE}`); process.exit(2); }
  }
  return options;
}

/** mulberry32: every run generates the same corpus. */
function random(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  };
}

/** The 20 rules: every detector, thresholds and proximity. */
const RULES = `rules:
  - {name: cards, severity: high, condition: {detector: credit_card, min_confidence: high}}
  - {name: cards-bulk, severity: high, condition: {detector: credit_card, min_count: 5}}
  - {name: iban, severity: medium, condition: {detector: iban, min_confidence: high}}
  - {name: iban-bulk, severity: high, condition: {detector: iban, min_count: 5}}
  - {name: email-list, severity: medium, condition: {detector: email_list, min_count: 50}}
  - {name: phone-list, severity: medium, condition: {detector: phone_list, min_count: 30}}
  - {name: project-falcon, severity: high, condition: {detector: keywords, words: [project falcon], near: [confidential, strictly private], within: 200}}
  - {name: employee-ids, severity: low, condition: {detector: regex, pattern: 'EMP-\\d{6}', min_count: 3}}
  - {name: passport, severity: high, condition: {detector: regex, pattern: 'passport\\s+(?:no\\.?|number)\\s*[A-Z0-9]{8,9}\\b', ignore_case: true}}
  - {name: encrypted, severity: medium, condition: {detector: attachment_type, types: [encrypted]}}
  - {name: executables, severity: critical, condition: {detector: attachment_type, types: [executable]}}
  - {name: ssn, severity: high, condition: {detector: regex, pattern: '\\b\\d{3}-\\d{2}-\\d{4}\\b', near: [ssn, social security], within: 100}}
  - {name: aws-keys, severity: critical, condition: {detector: regex, pattern: '\\bAKIA[0-9A-Z]{16}\\b'}}
  - {name: private-keys, severity: critical, condition: {detector: regex, pattern: '-----BEGIN (?:RSA |EC |OPENSSH )?PRIVATE KEY-----'}}
  - {name: internal-only, severity: low, condition: {detector: keywords, words: [internal only], min_count: 3}}
  - {name: passwords, severity: high, condition: {detector: keywords, words: [password, passwd], near: [username, login], within: 40}}
  - {name: salaries, severity: medium, condition: {all: [{detector: keywords, words: [salary, salaries]}, {detector: keywords, words: [spreadsheet, export], near: [payroll], within: 100}]}}
  - {name: wire-fraud, severity: high, condition: {all: [{detector: iban}, {detector: keywords, words: [urgent wire transfer]}]}}
  - {name: huge-message, severity: low, condition: {detector: size, message_above: 25MB}}
  - {name: huge-attachment, severity: low, condition: {detector: size, attachment_above: 20MB}}
`;

const WORDS = 'the a report meeting budget quarter team update please find attached regards thanks review draft schedule project customer order delivery invoice week monday friday office plan numbers sales results agenda notes call room lunch travel hotel flight contract offer price total'.split(' ');

function luhnDigit(partial) {
  let sum = 0;
  for (let i = partial.length - 1, double = true; i >= 0; i--, double = !double) {
    let d = Number(partial[i]);
    if (double) d = d * 2 > 9 ? d * 2 - 9 : d * 2;
    sum += d;
  }
  return String((10 - (sum % 10)) % 10);
}

function makeCorpus(count, ibantools) {
  const rnd = random(15);
  const pick = (list) => list[Math.floor(rnd() * list.length)];
  const digits = (n) => Array.from({length: n}, () => Math.floor(rnd() * 10)).join('');
  const prose = (n) => Array.from({length: n}, () => pick(WORDS)).join(' ');
  const card = (valid) => {
    const prefix = pick(['4', '51', '52', '55', '37', '6011']);
    const body = prefix + digits((prefix === '37' ? 14 : 15) - prefix.length);
    const check = luhnDigit(body);
    return body + (valid ? check : String((Number(check) + 1 + Math.floor(rnd() * 8)) % 10));
  };
  const group = (number) => number.replace(/(\d{4})(?=\d)/g, '$1 ');
  const iban = (valid) => {
    for (;;) {
      const country = pick(['DE', 'AT']);
      const bban = digits(country === 'DE' ? 18 : 16);
      const composed = ibantools.composeIBAN({countryCode: country, bban});
      if (composed === null || !ibantools.isValidIBAN(composed)) continue;
      if (valid) return composed;
      const wrong = `${composed.slice(0, 2)}${String((Number(composed.slice(2, 4)) + 1 + Math.floor(rnd() * 90)) % 97 + 2).padStart(2, '0')}${composed.slice(4)}`;
      if (!ibantools.isValidIBAN(wrong)) return wrong;
    }
  };
  const emails = (n) => Array.from({length: n}, (_, i) => `${pick(['anna', 'ben', 'chen', 'dora', 'emil'])}.${pick(['meyer', 'smith', 'rossi', 'khan'])}${i}@${pick(['example.com', 'example.net', 'shop.example'])}`).join('\n');
  const phones = (n) => Array.from({length: n}, () => `+49 ${digits(2)} ${digits(7)}`).join('\n');
  const zip = (encrypted) => {
    const name = Buffer.from('payroll.xlsx');
    const data = Buffer.from(prose(200));
    const flags = encrypted ? 1 : 0;
    const local = Buffer.alloc(30); local.writeUInt32LE(0x04034b50, 0); local.writeUInt16LE(20, 4); local.writeUInt16LE(flags, 6); local.writeUInt32LE(data.length, 18); local.writeUInt32LE(data.length, 22); local.writeUInt16LE(name.length, 26);
    const central = Buffer.alloc(46); central.writeUInt32LE(0x02014b50, 0); central.writeUInt16LE(20, 4); central.writeUInt16LE(20, 6); central.writeUInt16LE(flags, 8); central.writeUInt32LE(data.length, 20); central.writeUInt32LE(data.length, 24); central.writeUInt16LE(name.length, 28);
    const end = Buffer.alloc(22); end.writeUInt32LE(0x06054b50, 0); end.writeUInt16LE(1, 8); end.writeUInt16LE(1, 10); end.writeUInt32LE(46 + name.length, 12); end.writeUInt32LE(30 + name.length + data.length, 16);
    return Buffer.concat([local, name, data, central, name, end]);
  };
  const exe = () => { const b = Buffer.alloc(4096, 0x90); b.write('MZ', 0, 'latin1'); b.writeUInt32LE(0x80, 0x3c); b.write('PE\0\0', 0x80, 'latin1'); return b; };
  const binary = (n) => Buffer.from(Array.from({length: n}, () => Math.floor(rnd() * 256)));

  /** [kind, expected rule or undefined, body, attachments] */
  const planted = [
    () => ['card', 'cards', `${prose(30)}\nPlease charge my Visa ${group(card(true))}, expiry ${String(1 + Math.floor(rnd() * 12)).padStart(2, '0')}/2${Math.floor(rnd() * 9)}.\n${prose(20)}`],
    () => ['iban', 'iban', `${prose(25)}\nOur bank details: IBAN ${ibantools.friendlyFormatIBAN(iban(true))}\n${prose(20)}`],
    () => ['email list', 'email-list', `${prose(10)}\nThe customer export:\n${emails(60)}`],
    () => ['phone list', 'phone-list', `${prose(10)}\nCall list:\n${phones(40)}`],
    () => ['keywords near', 'project-falcon', `${prose(20)} Confidential: the numbers of Project Falcon for next quarter. ${prose(20)}`],
    () => ['pattern count', 'employee-ids', `${prose(10)}\nEMP-${digits(6)}, EMP-${digits(6)} and EMP-${digits(6)} start on Monday.`],
    () => ['passport', 'passport', `${prose(15)}\nMy passport number C${digits(8)} expires next year.`],
    () => ['encrypted zip', 'encrypted', prose(40), [{name: 'payroll.zip', type: 'application/zip', content: zip(true)}]],
    () => ['exe named .txt', 'executables', prose(40), [{name: 'readme.txt', type: 'text/plain', content: exe()}]],
    () => ['ssn', 'ssn', `${prose(20)}\nHis SSN is ${digits(3)}-${digits(2)}-${digits(4)}.`],
    () => ['aws key', 'aws-keys', `${prose(20)}\naws_access_key_id = AKIA${Array.from({length: 16}, () => pick('ABCDEFGHIJKLMNOPQRSTUVWXYZ234567'.split(''))).join('')}`],
    () => ['private key', 'private-keys', `${prose(10)}\n-----BEGIN RSA PRIVATE KEY-----\n${binary(300).toString('base64')}\n-----END RSA PRIVATE KEY-----`],
  ];
  const decoys = [
    () => ['Luhn-invalid card', `${prose(20)}\nMy credit card: Visa ${group(card(false))}, exp 12/27, CVV 123.`],
    () => ['Luhn-invalid bulk', `${prose(10)}\nCards on file: ${Array.from({length: 6}, () => card(false)).join(', ')}.`],
    () => ['IBAN wrong check digit', `${prose(20)}\nIBAN: ${ibantools.friendlyFormatIBAN(iban(false))} (bank account).`],
    () => ['card words, no number', `${prose(20)}\nPlease send your credit card number, CVV and expiry date (MM/YY) by phone, not by mail.`],
    () => ['plain zip', prose(40), [{name: 'photos.zip', type: 'application/zip', content: zip(false)}]],
    () => ['text starting MZ', prose(30), [{name: 'notes.txt', type: 'text/plain', content: Buffer.from(`MZ-${digits(4)} is the model number of the new printer. ${prose(40)}`)}]],
    () => ['49 addresses', `${prose(10)}\n${emails(49)}`],
    () => ['29 phone numbers', `${prose(10)}\n${phones(29)}`],
    () => ['keywords too far apart', `Confidential. ${prose(60)} Project Falcon kicks off on Monday.`],
    () => ['2 employee ids', `EMP-${digits(6)} and EMP-${digits(6)} start on Monday.`],
    () => ['SSN format, no keyword', `${prose(20)}\nPart number ${digits(3)}-${digits(2)}-${digits(4)} is back in stock.`],
    () => ['plain PDF', prose(30), [{name: 'report.pdf', type: 'application/pdf', content: Buffer.from(`%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\n${prose(200)}\ntrailer << /Root 1 0 R >>\n%%EOF\n`)}]],
    () => ['password, no login', `${prose(20)}\nI forgot my password again, can IT reset it? ${prose(20)}`],
  ];
  const ordinary = () => {
    const text = `${prose(40 + Math.floor(rnd() * 200))}\nOrder ${digits(8)} of ${pick(['03/12', '11/05', '2026-12-07'])}, total EUR ${digits(3)}.${digits(2)}.\n${prose(30)}\n-- \n${pick(['Anna', 'Ben', 'Chen'])}\n+49 30 ${digits(7)}\n${pick(['anna', 'ben', 'chen'])}@example.org`;
    const attachments = rnd() < 0.3 ? [{name: pick(['photo.jpg', 'scan.png', 'minutes.docx']), type: 'application/octet-stream', content: binary(5_000 + Math.floor(rnd() * 40_000))}] : [];
    return ['ordinary', text, attachments];
  };

  const messages = [];
  for (let i = 0; i < count; i++) {
    let kind, expect, body, attachments;
    if (i % 4 === 0) [kind, expect, body, attachments] = planted[(i / 4) % planted.length]();
    else if (i % 4 === 1) [kind, body, attachments] = decoys[((i - 1) / 4) % decoys.length]();
    else [kind, body, attachments] = ordinary();
    const html = rnd() < 0.3;
    messages.push({kind, group: i % 4 === 0 ? 'planted' : i % 4 === 1 ? 'decoy' : 'ordinary', expect, bytes: mime(i, body, html, attachments ?? [])});
  }
  return messages;
}

function mime(i, body, html, attachments) {
  const head = [`From: sender${i}@example.org`, 'To: someone@example.com', `Subject: message ${i}`, `Message-ID: <bench-${i}@example.org>`, 'Date: Mon, 07 Dec 2026 10:00:00 +0000', 'MIME-Version: 1.0'];
  const text = html
    ? ['Content-Type: text/html; charset=utf-8', '', `<html><body>${body.split('\n').map((l) => `<p>${l.replace(/&/g, '&amp;').replace(/</g, '&lt;')}</p>`).join('')}</body></html>`]
    : ['Content-Type: text/plain; charset=utf-8', '', body];
  if (attachments.length === 0) return Buffer.from([...head, ...text, ''].join('\r\n'));
  const lines = [...head, 'Content-Type: multipart/mixed; boundary="b"', '', '--b', ...text];
  for (const a of attachments) lines.push('--b', `Content-Type: ${a.type}; name="${a.name}"`, `Content-Disposition: attachment; filename="${a.name}"`, 'Content-Transfer-Encoding: base64', '', a.content.toString('base64').replace(/.{76}/g, '$&\r\n'));
  lines.push('--b--', '');
  return Buffer.from(lines.join('\r\n'));
}

const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

async function main() {
  const options = parseArgs(process.argv.slice(2));
  if (!existsSync(join(DIST, 'pipeline', 'dlp', 'evaluate.js'))) { process.stderr.write('bench/dlp.js: run `npm run build` first\n'); process.exit(2); }
  const load = (path) => import(pathToFileURL(join(DIST, path)).href);
  const {parseRules} = await load('pipeline/dlp/rules.js');
  const {evaluateRules, needsAttachmentContent, scanMessage} = await load('pipeline/dlp/evaluate.js');
  const {extractMessage} = await load('core/mail/extract.js');
  const ibantools = await import('ibantools');

  const rules = parseRules(RULES, 'bench');
  const content = needsAttachmentContent(rules);
  const messages = makeCorpus(options.messages, ibantools);
  const megabytes = messages.reduce((sum, m) => sum + m.bytes.length, 0) / 1e6;

  // Accuracy, once.
  const missed = [];
  const falsePositives = [];
  const wrongRule = [];
  for (const m of messages) {
    const matched = evaluateRules(rules, await scanMessage(m.bytes, {attachmentContent: content})).filter((r) => r.matched).map((r) => r.rule);
    if (m.group === 'planted') {
      if (!matched.includes(m.expect)) missed.push(`${m.kind} (${m.expect})`);
      const others = matched.filter((r) => r !== m.expect && !(m.expect === 'iban' && r === 'wire-fraud'));
      if (others.length > 0) wrongRule.push(`${m.kind}: ${others.join(', ')}`);
    } else if (matched.length > 0) falsePositives.push(`${m.group} ${m.kind}: ${matched.join(', ')}`);
  }
  const planted = messages.filter((m) => m.group === 'planted').length;
  const negatives = messages.length - planted;
  const decoyCount = messages.filter((m) => m.group === 'decoy').length;

  const variants = {
    'a. extraction, no attachment bytes (search)': async (m) => extractMessage(m.bytes),
    'b. extraction with attachment bytes (baseline)': async (m) => extractMessage(m.bytes, {attachmentContent: true}),
    'c. DLP: extraction + detectors + 20 rules': async (m) => evaluateRules(rules, await scanMessage(m.bytes, {attachmentContent: content})),
  };
  const names = Object.keys(variants);
  for (const m of messages.slice(0, 200)) for (const name of names) await variants[name](m); // warm-up
  const times = Object.fromEntries(names.map((n) => [n, []]));
  for (let round = 0; round < options.rounds; round++) {
    for (let k = 0; k < names.length; k++) {
      const name = names[(round + k) % names.length];
      const start = process.hrtime.bigint();
      for (const m of messages) await variants[name](m);
      times[name].push(Number(process.hrtime.bigint() - start) / 1e9);
    }
  }
  const rate = (name) => messages.length / median(times[name]);
  const baseline = rate(names[1]);
  const result = {
    type: 'benchmark',
    name: 'dlp',
    messages: messages.length,
    decoys: decoyCount,
    megabytes: Number(megabytes.toFixed(1)),
    rules: rules.length,
    recall: {planted, matched: planted - missed.length, missed},
    falsePositives: {negatives, matched: falsePositives.length, which: falsePositives.slice(0, 20)},
    otherRulesOnPlanted: wrongRule.slice(0, 20),
    rates: Object.fromEntries(names.map((n) => [n, {messagesPerSecond: Math.round(rate(n)), ratioToBaseline: Number((rate(n) / baseline).toFixed(2))}])),
  };
  if (options.json) { process.stdout.write(`${JSON.stringify(result)}\n`); return; }
  const out = [];
  out.push(`corpus: ${messages.length} messages, ${result.megabytes} MB (${planted} planted, ${decoyCount} decoys, the rest ordinary); ${rules.length} rules`);
  out.push(`recall on planted: ${planted - missed.length}/${planted} (${((100 * (planted - missed.length)) / planted).toFixed(1)}%)${missed.length > 0 ? `; missed: ${[...new Set(missed)].join('; ')}` : ''}`);
  out.push(`false positives on decoys and ordinary mail: ${falsePositives.length}/${negatives}${falsePositives.length > 0 ? `; ${[...new Set(falsePositives)].slice(0, 10).join('; ')}` : ''}`);
  if (wrongRule.length > 0) out.push(`planted messages also matched by another rule: ${[...new Set(wrongRule)].slice(0, 10).join('; ')}`);
  out.push(`medians of ${options.rounds} rounds, one process, one message at a time:`);
  for (const n of names) out.push(`  ${n.padEnd(48)} ${String(Math.round(rate(n))).padStart(7)} msg/s   ${(rate(n) / baseline).toFixed(2)}x baseline`);
  const misses = [
    missed.length > 0 && `recall ${planted - missed.length}/${planted} (target 100%)`,
    falsePositives.length > 0 && `${falsePositives.length} false positives (target 0)`,
    rate(names[2]) < TARGET_RATE && `${Math.round(rate(names[2]))} msg/s through the rules (target ${TARGET_RATE})`,
  ].filter(Boolean);
  out.push(misses.length === 0 ? 'targets met' : `MISS: ${misses.join('; ')}`);
  process.stdout.write(`${out.join('\n')}\n`);
}

await main();
