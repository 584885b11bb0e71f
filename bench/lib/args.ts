/** Command-line options shared by the benchmarks. */

/** `--name N` among a benchmark's arguments: a whole number >= 1, `fallback` when absent; else the usage, exit 2. */
export function countOption(args: readonly string[], name: string, fallback: number, usage: string): number {
  const i = args.indexOf(name);
  if (i === -1) return fallback;
  const value = Number(args[i + 1]);
  if (!Number.isInteger(value) || value < 1) {
    process.stderr.write(usage.endsWith('\n') ? usage : `${usage}\n`);
    process.exit(2);
  }
  return value;
}
