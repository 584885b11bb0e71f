/**
 * `bonnie doctor`'s unit: one check, with a stable id (scripts and monitoring match on it), a level, what
 * was found, and the exact fix (a command to run or a configuration line to write).
 */
import {EXIT} from '../../base/errors.js';

export type CheckLevel = 'ok' | 'warning' | 'error';

export interface CheckResult {
  /** Stable, dotted: `catalog.owner`, `cyrus.event-groups`. Never renamed; new checks get new ids. */
  id: string;
  level: CheckLevel;
  /** What was found, in one sentence. */
  found: string;
  /** What to do: a command or a configuration line; null when nothing is to be done. */
  fix: string | null;
}

export function ok(id: string, found: string): CheckResult {
  return {id, level: 'ok', found, fix: null};
}

export function warning(id: string, found: string, fix: string): CheckResult {
  return {id, level: 'warning', found, fix};
}

export function error(id: string, found: string, fix: string): CheckResult {
  return {id, level: 'error', found, fix};
}

/** The whole report: the checks in the order they ran, counts, and the exit status (0, 6 or 7). */
export interface DoctorReport {
  checks: CheckResult[];
  summary: Record<CheckLevel, number>;
  level: CheckLevel;
  /** {@link EXIT.ok} when all are ok, {@link EXIT.warning} with warnings, {@link EXIT.critical} with errors. */
  exit: number;
}

export function summarize(checks: CheckResult[]): DoctorReport {
  const summary: Record<CheckLevel, number> = {ok: 0, warning: 0, error: 0};
  for (const check of checks) summary[check.level]++;
  const level: CheckLevel = summary.error > 0 ? 'error' : summary.warning > 0 ? 'warning' : 'ok';
  return {checks, summary, level, exit: level === 'error' ? EXIT.critical : level === 'warning' ? EXIT.warning : EXIT.ok};
}

/** `0o640` -> `0640`. */
export function octal(mode: number): string {
  return `0${(mode & 0o7777).toString(8).padStart(3, '0')}`;
}
