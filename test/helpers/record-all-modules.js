/**
 * Preloaded into a process under test (`node --import` this file, or NODE_OPTIONS): appends the path of every
 * module file the process loads (ESM through a loader hook, CommonJS through Module._load, addons included)
 * to $RECORD_MODULES_TO, one per line, as it loads them. Built-in modules are left out; lines may repeat.
 * record-modules.cjs sees only CommonJS; this sees what an ESM program (bin/run.js) loads too.
 */
import {appendFileSync} from 'node:fs';
import Module, {register} from 'node:module';

const out = process.env.RECORD_MODULES_TO;
if (out) {
  // The hooks run on their own thread: it appends itself, so nothing is lost when the process exits early.
  const hooks = `
    import {appendFileSync} from 'node:fs';
    import {fileURLToPath} from 'node:url';
    let out;
    export function initialize(data) { out = data.out; }
    export async function load(url, context, next) {
      if (url.startsWith('file:')) appendFileSync(out, fileURLToPath(url) + '\\n');
      return next(url, context);
    }`;
  register(`data:text/javascript,${encodeURIComponent(hooks)}`, {data: {out}});
  const load = Module._load;
  Module._load = function (request, parent, isMain) {
    try {
      const file = Module._resolveFilename(request, parent, isMain);
      if (file.startsWith('/')) appendFileSync(out, `${file}\n`);
    } catch {
      // Not resolvable: Module._load itself throws the error the program expects.
    }
    return load.apply(this, arguments);
  };
}
