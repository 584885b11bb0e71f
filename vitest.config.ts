import {configDefaults, defineConfig} from 'vitest/config';

// Three projects. `unit`: everything under test/ but test/live/ and test/chaos/ (in-memory catalogs, the
// built CLI and dealer as processes). `live`: end-to-end against a real Cyrus IMAP 3.6 and OpenLDAP on
// loopback, started once by test/live/global-setup.ts (as root; it installs them if missing). `chaos`: the
// failure experiments (kill -9 under load, a full disk, fuzzed input, a corrupted catalog, a hostile
// server), each bounded in count and time; some need root (tmpfs mounts). `npx vitest run --project unit`
// (or live, chaos) runs one; `vitest run` runs unit, then live, then chaos (groupOrder).
export default defineConfig({
  test: {
    // End-to-end tests start real processes (the built CLI); give them room on a noisy 2-core machine.
    testTimeout: 120_000,
    hookTimeout: 300_000,
    pool: 'forks',
    // The catalog's schema, as every bonnie program sets it at start (src/lib/cli/schema.ts).
    setupFiles: ['test/setup/schema.ts'],
    projects: [
      {
        extends: true,
        test: {
          name: 'unit',
          include: ['test/**/*.test.ts'],
          exclude: [...configDefaults.exclude, 'test/live/**', 'test/chaos/**'],
          sequence: {groupOrder: 0},
        },
      },
      {
        extends: true,
        test: {
          name: 'live',
          include: ['test/live/**/*.test.ts'],
          // The first run installs Cyrus and slapd with apt (minutes); later runs start the lab in ~1 s.
          globalSetup: ['test/live/global-setup.ts'],
          // One lab, shared: its files run one at a time, after the unit tests.
          fileParallelism: false,
          sequence: {groupOrder: 1},
          testTimeout: 120_000,
          hookTimeout: 600_000,
        },
      },
      {
        extends: true,
        test: {
          name: 'chaos',
          include: ['test/chaos/**/*.test.ts'],
          // Each experiment loads the machine on purpose: one file at a time.
          fileParallelism: false,
          sequence: {groupOrder: 2},
          testTimeout: 300_000,
        },
      },
    ],
  },
});
