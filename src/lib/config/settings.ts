/**
 * Configuration, resolved as flags > environment > file > defaults.
 *
 * The file (default /etc/bonnie/bonnie.conf, or $BONNIE_CONFIG) uses imapd.conf's syntax, which a Cyrus
 * administrator already knows: `key: value` lines, `#` comments. Relative paths in the file are relative to
 * the file's folder; in the environment or a flag, to the working directory.
 *
 * This module is on the dealer's start-up path: it imports only node:fs and node:path.
 */
import {readFileSync} from 'node:fs';
import {dirname, isAbsolute, resolve} from 'node:path';
import {BonnieError, EXIT} from '../errors.js';

export const DEFAULT_CONFIG_FILE = '/etc/bonnie/bonnie.conf';

/** Resolved settings every command receives. */
export interface Settings {
  /** SQLite catalog file. */
  catalog: string;
  /** Folder of the compressed archive. */
  archive: string;
  /** Folder where the dealer spills notifications it could not commit. */
  spill: string;
  /** Log file; undefined means syslog. */
  logFile: string | undefined;
  /** How long the dealer waits for a locked catalog before spilling, in milliseconds. */
  dealerTimeoutMs: number;
  /** Attempts before a job is dead. */
  maxAttempts: number;
  /** The configuration file that was read, if any. */
  configFile: string | undefined;
  /** Where each value came from. */
  origin: Record<SettingKey, Origin>;
}

export type SettingKey = 'catalog' | 'archive' | 'spill' | 'logFile' | 'dealerTimeoutMs' | 'maxAttempts';
export type Origin = 'flag' | 'environment' | 'file' | 'default';

/** Values given on the command line (undefined: not given). */
export type SettingFlags = Partial<Record<SettingKey, string | number | undefined>>;

interface KeySpec {
  /** Name in the configuration file. */
  file: string;
  /** Environment variable. */
  env: string;
  kind: 'path' | 'duration' | 'count';
  description: string;
}

/** Every configuration key: the one list the parser, `--help` and the man pages read. */
export const SETTING_KEYS: Readonly<Record<SettingKey, KeySpec>> = {
  catalog: {file: 'catalog', env: 'BONNIE_CATALOG', kind: 'path', description: 'The SQLite catalog file (default /var/lib/bonnie/catalog.db).'},
  archive: {file: 'archive', env: 'BONNIE_ARCHIVE', kind: 'path', description: 'The archive folder (default: "archive" beside the catalog).'},
  spill: {file: 'spill', env: 'BONNIE_SPILL', kind: 'path', description: 'Where the dealer spills notifications it cannot commit (default: "spill" beside the catalog).'},
  logFile: {file: 'log_file', env: 'BONNIE_LOG_FILE', kind: 'path', description: 'Log to this file instead of syslog (facility mail).'},
  dealerTimeoutMs: {file: 'dealer_timeout', env: 'BONNIE_DEALER_TIMEOUT', kind: 'duration', description: 'How long the dealer waits for a locked catalog before it spills, e.g. 2s or 500ms (default 2s).'},
  maxAttempts: {file: 'max_attempts', env: 'BONNIE_MAX_ATTEMPTS', kind: 'count', description: 'Attempts before a job is marked dead (default 5).'},
};

const DEFAULT_CATALOG = '/var/lib/bonnie/catalog.db';
const DEFAULT_DEALER_TIMEOUT_MS = 2000;
const DEFAULT_MAX_ATTEMPTS = 5;

const DURATION_UNITS_MS: Record<string, number> = {ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000};

/**
 * Resolves the settings. Throws BonnieError(ConfigInvalid) naming the key and where it came from.
 * A missing default file is fine; a missing file named by $BONNIE_CONFIG or `--config` is an error.
 */
export function loadSettings(flags: SettingFlags = {}, env: NodeJS.ProcessEnv = process.env, configFlag?: string): Settings {
  const named = configFlag ?? nonEmpty(env.BONNIE_CONFIG);
  const configFile = named ?? DEFAULT_CONFIG_FILE;
  const fileValues = readConfigFile(configFile, named !== undefined);
  const origin = {} as Record<SettingKey, Origin>;

  const pick = (key: SettingKey): {raw: string; where: string; base: string} | undefined => {
    const flag = flags[key];
    if (flag !== undefined && flag !== '') {
      origin[key] = 'flag';
      return {raw: String(flag), where: `flag --${flagName(key)}`, base: process.cwd()};
    }
    const fromEnv = nonEmpty(env[SETTING_KEYS[key].env]);
    if (fromEnv !== undefined) {
      origin[key] = 'environment';
      return {raw: fromEnv, where: `environment variable ${SETTING_KEYS[key].env}`, base: process.cwd()};
    }
    const fromFile = fileValues?.values.get(SETTING_KEYS[key].file);
    if (fromFile !== undefined) {
      origin[key] = 'file';
      return {raw: fromFile.value, where: `${configFile} line ${fromFile.line}`, base: dirname(resolve(configFile))};
    }
    origin[key] = 'default';
    return undefined;
  };

  const path = (key: SettingKey): string | undefined => {
    const got = pick(key);
    if (got === undefined) return undefined;
    return isAbsolute(got.raw) ? got.raw : resolve(got.base, got.raw);
  };

  const catalog = path('catalog') ?? DEFAULT_CATALOG;
  const home = dirname(catalog);
  const archive = path('archive') ?? resolve(home, 'archive');
  const spill = path('spill') ?? resolve(home, 'spill');
  const logFile = path('logFile');

  const timeout = pick('dealerTimeoutMs');
  const dealerTimeoutMs = timeout === undefined ? DEFAULT_DEALER_TIMEOUT_MS : parseDuration(timeout.raw, 'dealerTimeoutMs', timeout.where);
  const attempts = pick('maxAttempts');
  const maxAttempts = attempts === undefined ? DEFAULT_MAX_ATTEMPTS : parseCount(attempts.raw, 'maxAttempts', attempts.where);

  return {catalog, archive, spill, logFile, dealerTimeoutMs, maxAttempts, configFile: fileValues ? configFile : undefined, origin};
}

/** The command-line flag for a setting: `logFile` -> `log-file`. */
export function flagName(key: SettingKey): string {
  return key === 'dealerTimeoutMs' ? 'dealer-timeout' : key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
}

interface FileValues {
  values: Map<string, {value: string; line: number}>;
}

function readConfigFile(file: string, mustExist: boolean): FileValues | undefined {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' && !mustExist) return undefined;
    throw new BonnieError('ConfigUnreadable', `cannot read the configuration file ${file}: ${(error as Error).message}`, {
      exit: EXIT.config,
      hint: code === 'ENOENT' ? 'Check $BONNIE_CONFIG or --config, or create the file.' : 'Check the file\'s permissions.',
    });
  }
  const known = new Map(Object.values(SETTING_KEYS).map((spec) => [spec.file, spec]));
  const values = new Map<string, {value: string; line: number}>();
  const lines = text.split(/\r?\n/);
  for (const [index, rawLine] of lines.entries()) {
    const line = rawLine.trim();
    if (line === '' || line.startsWith('#')) continue;
    const match = /^([A-Za-z_][A-Za-z0-9_]*)\s*:\s*(.*)$/.exec(line);
    if (!match) {
      throw new BonnieError('ConfigInvalid', `${file} line ${index + 1}: expected "key: value", found "${truncate(line)}"`, {
        exit: EXIT.config,
        hint: 'Lines are "key: value" as in imapd.conf; comments start with #.',
      });
    }
    const key = match[1] as string;
    const value = (match[2] as string).trim();
    if (!known.has(key)) {
      throw new BonnieError('ConfigInvalid', `${file} line ${index + 1}: unknown key "${key}"`, {
        exit: EXIT.config,
        hint: `Known keys: ${[...known.keys()].join(', ')}.`,
      });
    }
    if (value === '') {
      throw new BonnieError('ConfigInvalid', `${file} line ${index + 1}: key "${key}" has no value`, {
        exit: EXIT.config,
        hint: 'Give a value or remove the line to use the default.',
      });
    }
    values.set(key, {value, line: index + 1});
  }
  return {values};
}

function parseDuration(raw: string, key: SettingKey, where: string): number {
  const match = /^(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)$/.exec(raw.trim());
  const unit = match ? DURATION_UNITS_MS[match[2] as string] : undefined;
  if (!match || unit === undefined) {
    throw new BonnieError('ConfigInvalid', `${SETTING_KEYS[key].file} (${where}): "${truncate(raw)}" is not a duration`, {
      exit: EXIT.config,
      hint: 'Write a number with a unit: 500ms, 2s, 5m, 1h or 1d.',
    });
  }
  return Math.round(Number(match[1]) * unit);
}

function parseCount(raw: string, key: SettingKey, where: string): number {
  if (!/^\d+$/.test(raw.trim()) || Number(raw) < 1) {
    throw new BonnieError('ConfigInvalid', `${SETTING_KEYS[key].file} (${where}): "${truncate(raw)}" is not a whole number of at least 1`, {
      exit: EXIT.config,
      hint: 'Write a whole number such as 5.',
    });
  }
  return Number(raw);
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value === '' ? undefined : value;
}

function truncate(text: string): string {
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}
