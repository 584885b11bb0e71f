/**
 * Writes the text of the packaged /etc/bonnie/bonnie.conf from the code's list of keys (SETTING_KEYS in
 * src/lib/base/config/settings.ts, read from dist/): every key commented out, with its explanation, its
 * environment variable and, when the explanation states one, its default. Generated so that it cannot drift
 * from what bonnie accepts; a unit test loads it with every line uncommented and checks the defaults.
 */

/** Comment lines are wrapped here (imapd.conf has no line limit; terminals and diffs do). */
const WIDTH = 100;

/**
 * The default a description states, as "(default X)" ("X," "X;"), "X (the default)" or "X (OpenLDAP, the
 * default)" at its start or after a colon, when X is one plain value (a path, a duration, a number, a word)
 * or an LDAP filter in parentheses. Other forms ("default: none", "beside the catalog") have no value.
 */
export function statedDefault(description) {
  const filter = description.indexOf('(default (');
  if (filter !== -1) return balanced(description, filter + '(default '.length);
  const match = /\(default ([^\s(),;:"]+)[),;]/.exec(description) ?? /(?:^|: )([^\s(),;:"]+) \((?:[^()]*, )?the default\)/.exec(description);
  return match === null ? undefined : match[1];
}

/** The parenthesized expression that starts at `start`. */
function balanced(text, start) {
  let depth = 0;
  for (let i = start; i < text.length; i++) {
    if (text[i] === '(') depth++;
    else if (text[i] === ')' && --depth === 0) return text.slice(start, i + 1);
  }
  return undefined;
}

function wrap(text, prefix) {
  const lines = [];
  let line = prefix;
  for (const word of text.split(/\s+/)) {
    if (line.length > prefix.length && line.length + 1 + word.length > WIDTH) {
      lines.push(line);
      line = prefix;
    }
    line += line.length > prefix.length ? ` ${word}` : word;
  }
  lines.push(line);
  return lines;
}

/**
 * The file's text. `keys` is SETTING_KEYS; `configEnv` the variable naming another file.
 * @param {Readonly<Record<string, {file: string, env: string, description: string}>>} keys
 */
export function renderConfig(keys, configEnv = 'BONNIE_CONFIG') {
  const out = [
    '# /etc/bonnie/bonnie.conf: bonnie\'s settings, read by every bonnie command and by the dealer notifyd runs.',
    '# imapd.conf\'s syntax: "key: value" lines, # comments. A relative path is relative to this folder.',
    '# Every key is commented out: uncomment and change the ones you need. A line "#key: value" shows the',
    '# default; a line "#key:" has no single default value (see its explanation).',
    `# Each key's environment variable wins over this file, a command's flag over both; ${configEnv} names`,
    '# another file. See bonnie(1), CONFIGURATION. Generated from bonnie\'s list of keys (npm run deb).',
  ];
  for (const spec of Object.values(keys)) {
    const value = statedDefault(spec.description);
    out.push('', ...wrap(spec.description, '# '), `# Environment: ${spec.env}.`, value === undefined ? `#${spec.file}:` : `#${spec.file}: ${value}`);
  }
  return `${out.join('\n')}\n`;
}
