/** The human-readable report of `bonnie export` (stdout; --json prints the summary itself). */
import {isoTime} from '../../core/time.js';
import {formatBytes} from '../../base/config/bytes.js';
import type {ExportSummary} from './export.js';
import {CHECKSUM_FILE} from './layout.js';

/** How many missing UIDs a folder's line names before "...". */
const MISSING_SHOWN = 10;

export function renderExport(s: ExportSummary): string {
  const lines: string[] = [];
  for (const f of s.folders) {
    const basis = f.basis.snapshotAt === undefined ? 'the record only' : `the snapshot of ${isoTime(f.basis.snapshotAt)} and ${f.basis.placementsApplied} change(s) since`;
    lines.push(`${f.name} as at ${s.at} -> ${f.path}`);
    lines.push(`  ${f.messages} message(s): ${f.exported} exported, ${f.missing.length} missing${f.pruned.length > 0 ? ` (${f.pruned.length} pruned by retention)` : ''}`);
    const shown = f.missing.slice(0, MISSING_SHOWN).map((m) => `UID ${m.uid} (${m.reason})`);
    if (shown.length > 0) lines.push(`  missing: ${shown.join(', ')}${f.missing.length > MISSING_SHOWN ? ', ...' : ''}`);
    lines.push(`  based on ${basis}`);
    for (const limit of f.limits) lines.push(`  note: ${limit}`);
  }
  lines.push(
    `Exported ${s.exported} of ${s.messages} message(s) (${formatBytes(s.bytes)}) from ${s.folders.length} folder(s) as ${s.format} to ${s.out} in ${(s.elapsedMs / 1000).toFixed(1)} s; ${s.missing} missing${s.pruned > 0 ? `, of them ${s.pruned} pruned by retention` : ''}${s.missing > 0 ? ' (listed in the manifest)' : ''}.`,
  );
  if (s.format === 'tar.zst') {
    const top = s.manifest.slice(0, s.manifest.lastIndexOf('/'));
    lines.push(`SHA-256 of the file: ${s.sha256 ?? ''}`);
    lines.push(`Manifest: ${s.manifest} inside it. Check: tar --zstd -xf ${s.out} && cd ${top} && sha256sum -c ${CHECKSUM_FILE}`);
  } else {
    lines.push(`Manifest: ${s.manifest}. Check: cd ${s.out} && sha256sum -c ${CHECKSUM_FILE}`);
  }
  return lines.join('\n');
}
