#!/usr/bin/env node
import {execute, settings} from '@oclif/core';

// The built CLI runs dist/, always: under NODE_ENV=test or development (vitest sets the former for every
// process it spawns) oclif would otherwise look for src/ and try to register a TypeScript loader on each
// start. bin/dev.js is the way to run src/.
settings.enableAutoTranspile = false;

await execute({dir: import.meta.url});
