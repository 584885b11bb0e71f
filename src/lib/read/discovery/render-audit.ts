/** Human rendering of `bonnie audit`; `--json` prints the {@link Audit} itself. */
import type {Audit, AuditSession} from './audit.js';
import {describeClient, describeEnd, formatDuration} from './render-history.js';
import {omittedNote, renderTimeline} from './render-table.js';

export function renderAudit(a: Audit): string {
  const {range} = a;
  const lines = [
    `Audit of ${a.person.login} (${a.person.ref}) from ${range.since ?? 'the beginning'} to ${range.until ?? 'now'}${range.ip === null ? '' : `, clients ${range.ip}`}`,
    `${a.sessions.length + a.omittedSessions} session(s), ${a.outside.length + a.omittedOutside} action(s) outside them`,
    ...omittedNote(a.omittedSessions, 'sessions', ''),
  ];
  for (const session of a.sessions) lines.push('', ...renderSession(session));
  lines.push('', `Actions outside ${a.person.login}'s sessions`);
  if (range.ip !== null) lines.push('  (not shown with --ip: they have no client address)');
  else lines.push(...omittedNote(a.omittedOutside, 'actions'), renderTimeline(a.outside, {actor: true, message: true, session: true}));
  return lines.join('\n');
}

function renderSession(s: AuditSession): string[] {
  const service = s.service ?? 'unknown service';
  const client = describeClient(s);
  return [
    `Session ${s.sessionId}`,
    `  ${service}${client === '-' ? '' : ` from ${client}`}; ${s.loginAt === null ? `first event ${s.start}` : `login ${s.start}`}; ${describeEnd(s)}; ${formatDuration(s.durationSeconds)}; ${s.actionCount} action(s)`,
    ...omittedNote(s.omittedActions, 'actions', '    '),
    ...(s.actions.length === 0 ? [] : [renderTimeline(s.actions, {actor: true, message: true}, '    ')]),
  ];
}
