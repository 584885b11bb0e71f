/** Human rendering of `bonnie history`; `--json` prints the objects themselves. */
import {formatSeconds} from '../status/render.js';
import type {FolderHistory} from './folder-history.js';
import type {MessageHistory} from './message-history.js';
import {omittedNote, renderPairs, renderTable, renderTimeline} from './render-table.js';
import type {SessionEntry} from './sessions.js';
import type {UserHistory} from './user-history.js';

export function renderMessageHistory(h: MessageHistory): string {
  const m = h.message;
  const facts: Array<[string, string]> = [
    ['Subject', m.subject ?? '-'],
    ['From', m.from ?? '-'],
    ['Date', m.date ?? '-'],
    ['Message-ID', m.messageId ?? '-'],
    ['emailid', m.emailId ?? `- (Cyrus gave none: refer to it as ${m.ref})`],
    ['Size', m.size === null ? '-' : `${m.size} bytes`],
    ['First seen', m.firstSeenAt],
  ];
  const placements = h.placements.map((p) => [
    p.ref,
    p.state === 'present' ? `present${p.folderDeleted ? ' (folder deleted)' : ''}` : `${p.state} ${p.removedAt ?? ''}`.trim(),
    p.flags.join(' ') || '-',
    p.source === null ? `${p.origin} ${p.addedAt}` : `${p.origin} from ${p.source} ${p.addedAt}`,
  ]);
  const several = new Set(h.timeline.map((e) => e.messageRef)).size > 1;
  const transport = h.transport.flatMap((hop) => [
    `  ${hop.receivedAt}  ${hop.host} ${hop.queueId}${hop.client === null ? '' : ` from ${hop.client}`}`,
    ...hop.deliveries.map((d) => `    ${d.to}  ${d.status}  via ${d.relay ?? '-'}${d.nextQueueId === null ? '' : `  queued as ${d.nextQueueId}`}`),
  ]);
  return [
    `Message ${m.ref}`,
    renderPairs(facts),
    '',
    ...(transport.length === 0 ? [] : ['Transport (bonnie trace shows it whole)', ...transport, '']),
    'Placements',
    renderTable(['PLACEMENT', 'STATE', 'FLAGS', 'ORIGIN'], placements),
    '',
    'Timeline',
    ...omittedNote(h.omitted, 'entries'),
    renderTimeline(h.timeline, {actor: true, session: true, message: several}),
  ].join('\n');
}

export function renderFolderHistory(h: FolderHistory): string {
  const f = h.folder;
  const versions = h.versions.map((v) => [v.at, v.until ?? '-', v.name, v.summary || v.change]);
  return [
    `Folder ${f.name} (mailboxID ${f.mailboxId})`,
    `  owner ${f.owner ?? '-'}; created ${f.createdAt ?? 'before the record'}${f.deletedAt === null ? '' : `; deleted ${f.deletedAt}`}`,
    '',
    'Versions',
    renderTable(['FROM', 'UNTIL', 'NAME', 'CHANGE'], versions),
    '',
    'Changes',
    ...omittedNote(h.omitted, 'entries'),
    renderTimeline(h.timeline, {actor: true, session: true, message: true, actionSuffix: (e) => (e.direction === null ? '' : ` (${e.direction})`)}),
  ].join('\n');
}

export function renderUserHistory(h: UserHistory): string {
  const p = h.person;
  const versions = h.versions.map((v) => [v.validFrom, v.validTo ?? '-', v.login, v.mail ?? '-', v.aliases.join(' ') || '-', v.groups.join(' ') || '-']);
  return [
    `Person ${p.login} (${p.ref}, key ${p.key}), first seen ${p.firstSeen}`,
    '',
    'Versions',
    renderTable(['FROM', 'UNTIL', 'LOGIN', 'MAIL', 'ALIASES', 'GROUPS'], versions),
    '',
    'Sessions',
    ...omittedNote(h.omittedSessions, 'sessions'),
    renderSessions(h.sessions),
    '',
    'Timeline',
    ...omittedNote(h.omitted, 'entries'),
    renderTimeline(h.timeline, {session: true, message: true}),
  ].join('\n');
}

/** Sessions as a table: start, how and when they ended, duration, service, client, actions. */
export function renderSessions(sessions: readonly SessionEntry[]): string {
  if (sessions.length === 0) return '  (none)';
  const rows = sessions.map((s) => [s.start, describeEnd(s), formatDuration(s.durationSeconds), s.service ?? '-', describeClient(s), String(s.actionCount), s.sessionId]);
  return renderTable(['START', 'END', 'DURATION', 'SERVICE', 'CLIENT', 'ACTIONS', 'SESSION'], rows);
}

/** `logout 2026-...`, `closed by timeout (last event 2026-...)`, `open (last event ...)`, `no login`. */
export function describeEnd(s: SessionEntry): string {
  switch (s.state) {
    case 'logout':
      return `logout ${s.end}`;
    case 'timeout':
      return `closed by timeout (last event ${s.end})`;
    case 'open':
      return `open (last event ${s.end})`;
    case 'no-login':
      return `no login (last event ${s.end})`;
  }
}

export function describeClient(s: SessionEntry): string {
  if (s.clientIp === null) return '-';
  return s.clientPort === null ? s.clientIp : `${s.clientIp} port ${s.clientPort}`;
}

export function formatDuration(seconds: number): string {
  return seconds < 10 ? `${seconds.toFixed(1)}s` : formatSeconds(Math.round(seconds));
}
