#!/usr/bin/env node
// The built CLI. Every call pays what is loaded here, so: oclif's index checks its own "engines" with semver
// when imported (semver's whole module graph, ~40 ms of CPU unbundled); bonnie's package.json already
// requires node >= 20. #oclif is @oclif/core bundled into one file (scripts/bundle-oclif.js).
const engineWarning = process.env.OCLIF_DISABLE_ENGINE_WARNING;
process.env.OCLIF_DISABLE_ENGINE_WARNING = '1';
const {execute, settings} = await import('#oclif');
// Commands and programs bonnie starts get the caller's environment, not this shortcut.
if (engineWarning === undefined) delete process.env.OCLIF_DISABLE_ENGINE_WARNING;
else process.env.OCLIF_DISABLE_ENGINE_WARNING = engineWarning;

// Always dist/: under NODE_ENV=test or development (vitest sets the former for every process it spawns)
// oclif would otherwise look for src/ and try to register a TypeScript loader on each start. bin/dev.js is
// the way to run src/.
settings.enableAutoTranspile = false;

await execute({dir: import.meta.url});
