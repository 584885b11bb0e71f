/** A one-line progress display on stderr, for a TTY only (callers check): `processing 1200/5000 (24%) 3100/s`. */
export function progressBar(label: string): (progress: {processed: number; total: number}) => void {
  const started = Date.now();
  return ({processed, total}) => {
    const seconds = Math.max((Date.now() - started) / 1000, 0.001);
    const percent = total > 0 ? ` (${Math.min(100, Math.round((processed / total) * 100))}%)` : '';
    process.stderr.write(`\r${label} ${processed}/${total}${percent} ${Math.round(processed / seconds)}/s\u001b[K`);
    if (processed >= total) process.stderr.write('\n');
  };
}
