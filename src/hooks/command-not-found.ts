/**
 * oclif's `command_not_found` hook (package.json "oclif.hooks"): `bonnie frobnicate` or `bonnie queue frob`
 * fails like any other usage error, exit 2, with a hint naming the closest command when one is near
 * (`bonnie stauts`: did you mean status?). With --json anywhere on the line, the documented
 * `{"error": {...}}` object is printed on stdout instead, as every command does. Without this hook oclif
 * prints its own "command frobnicate not found" on stderr, whatever --json says.
 */
import type {Hook} from '#oclif';
import {BonnieError} from '../lib/base/errors.js';
import {errorJson, errorText} from '../lib/cli/error-output.js';
import {closestName} from '../lib/cli/closest-name.js';

const hook: Hook<'command_not_found'> = async function (options) {
  const {config} = this;
  // oclif's id joins the words before the first flag with ':'; a line that starts with a flag
  // (`bonnie --json frob`) has that flag as its id.
  const tokens = [...options.id.split(':'), ...(options.argv ?? [])];
  const end = tokens.indexOf('--');
  const json = (end === -1 ? tokens : tokens.slice(0, end)).includes('--json');
  const firstWord = tokens.findIndex((t) => !t.startsWith('-'));
  const words = leadingWords(options.id.startsWith('-') ? (firstWord === -1 ? [] : tokens.slice(firstWord)) : options.id.split(':'));
  const error = notFound(words, config.bin, visibleNames(config));
  process.exitCode = error.exit;
  if (json) process.stdout.write(`${JSON.stringify(errorJson(error), null, 2)}\n`);
  else process.stderr.write(errorText(error));
};

export default hook;

/** The words typed as a command name: up to the first flag. */
function leadingWords(tokens: readonly string[]): string[] {
  const end = tokens.findIndex((t) => t.startsWith('-'));
  return end === -1 ? [...tokens] : tokens.slice(0, end);
}

/** Commands (and their aliases) and topics a user may type, with spaces: `queue list`, `queue`. */
function visibleNames(config: {commands: ReadonlyArray<{id: string; hidden?: boolean; aliases?: string[]}>; topics: ReadonlyArray<{name: string; hidden?: boolean}>}): {commands: string[]; topics: string[]} {
  const spaced = (id: string) => id.replaceAll(':', ' ');
  const commands = config.commands.filter((c) => !c.hidden).flatMap((c) => [c.id, ...(c.aliases ?? [])].map(spaced));
  const topics = config.topics.filter((t) => !t.hidden).map((t) => spaced(t.name));
  return {commands: [...new Set(commands)].sort(), topics: [...new Set(topics)].sort()};
}

function notFound(words: readonly string[], bin: string, names: {commands: string[]; topics: string[]}): BonnieError {
  const typed = words.join(' ');
  if (typed === '') return new BonnieError('CommandUnknown', 'no command given', {hint: `See "${bin} --help" for the commands.`});
  // The longest topic the line starts with (`queue` in `queue frob`): its own commands are the useful list.
  const topic = names.topics.filter((t) => typed.startsWith(`${t} `)).sort((a, b) => b.length - a.length)[0];
  const inTopic = topic === undefined ? [] : names.commands.filter((c) => c.startsWith(`${topic} `));
  const near = closestName(typed, inTopic.length > 0 ? inTopic : [...names.commands, ...names.topics]);
  const message = topic === undefined ? `"${typed}" is not a ${bin} command` : `"${typed}" is not a ${bin} command: ${bin} ${topic} has ${inTopic.map((c) => c.slice(topic.length + 1)).join(', ')}`;
  const help = topic === undefined ? `See "${bin} --help" for the commands.` : `See "${bin} ${topic} --help".`;
  return new BonnieError('CommandUnknown', message, {hint: near === undefined ? help : `Did you mean "${bin} ${near}"? ${help}`});
}
