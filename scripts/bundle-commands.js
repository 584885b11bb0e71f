#!/usr/bin/env node
/**
 * Bundles the commands named in COMMANDS, each into one ES module in place of what tsc wrote:
 * dist/commands/<id>.js becomes the command and every dist/lib module it imports, plus better-sqlite3's
 * JavaScript. The other commands stay as tsc wrote them.
 *
 * Why: Node 20 has no compile cache, and every module file a call loads is resolved, read, compiled and
 * linked on each start. `bonnie status` loaded ~60 bonnie files and 13 of better-sqlite3's; monitoring runs
 * it every few minutes, cron scripts and tests spawn it over and over (bench/startup.js measures it).
 *
 * What stays outside each bundle, so that it is shared and loaded only when used:
 * - `#oclif`: the command classes must extend the very oclif bin/run.js loaded (one bundle of its own,
 *   scripts/bundle-oclif.js);
 * - every other package (ink, react, imapflow, ldapts, postal-mime, tar-stream, zstd-napi, unix-dgram), and
 *   better-sqlite3's native addon, whose path the catalog resolves at run time; `bindings` is never loaded
 *   (the catalog passes the addon's path).
 * A command belongs in COMMANDS only when nothing it imports locates a file relative to its own module
 * (workers, `new URL('./x.js', import.meta.url)`): in a bundle that module is the command's file. A test
 * (test/e2e/command-modules.test.ts) checks what the bundled commands load.
 *
 *   node scripts/bundle-commands.js    (run by `npm run build`, after tsc)
 */
import {build} from 'esbuild';
import {fileURLToPath} from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));

/** Commands run often and briefly, read-only, whose start-up is most of their cost. */
export const COMMANDS = ['status'];

/** Packages bundled with the command (pure JavaScript, loaded by every run of it). */
const BUNDLED_PACKAGES = new Set(['better-sqlite3']);

/** Every bare import but BUNDLED_PACKAGES stays an import. */
const externalPackages = {
  name: 'external-packages',
  setup(context) {
    context.onResolve({filter: /^[^./]/}, (args) => {
      if (args.path.startsWith('node:')) return {path: args.path, external: true};
      const name = args.path.startsWith('@') ? args.path.split('/').slice(0, 2).join('/') : args.path.split('/')[0];
      return BUNDLED_PACKAGES.has(name) && !args.path.endsWith('.node') ? undefined : {path: args.path, external: true};
    });
  },
};

for (const id of COMMANDS) {
  const file = `dist/commands/${id.split(':').join('/')}.js`;
  await build({
    absWorkingDir: root,
    entryPoints: [file],
    outfile: file,
    allowOverwrite: true,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    plugins: [externalPackages],
    // better-sqlite3 is CommonJS: its require() of Node's modules needs a real require in an ES module.
    banner: {js: "import {createRequire as __bonnieCreateRequire} from 'node:module';\nconst require = __bonnieCreateRequire(import.meta.url);"},
    legalComments: 'none',
    logLevel: 'warning',
  });
}
