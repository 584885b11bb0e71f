#!/usr/bin/env -S node --import tsx --conditions development
// Runs the commands from src/ without building (development only). The development condition maps
// #oclif to node_modules/@oclif/core rather than to the bundle in dist/ (the imports of package.json).
import {readFileSync} from 'node:fs';
import {join} from 'node:path';
import {fileURLToPath} from 'node:url';
import {execute, Plugin, settings} from '@oclif/core';

const root = fileURLToPath(new URL('..', import.meta.url));
// Commands come from src/ and every one of them is read: oclif.manifest.json describes dist/ as of the last
// build, so a command or flag added since would be missing. tsx is already loaded (the #! line); oclif's
// own attempt to register a TypeScript loader fails with this tsx and would fall back to dist/ silently.
const pjson = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
pjson.oclif = {...pjson.oclif, commands: './src/commands'};
settings.enableAutoTranspile = false;
const plugin = new Plugin({root, pjson, type: 'core', isRoot: true, ignoreManifest: true});
await plugin.load();

await execute({development: true, loadOptions: {root, plugins: new Map([[plugin.name, plugin]])}});
