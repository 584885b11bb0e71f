/**
 * The error-code registry (src/lib/base/errors.ts, ERROR_CODES) against the code that raises the errors:
 * every `new BonnieError('Code', ...)` under src/ is read with the TypeScript parser, and the test fails on a
 * code that is not registered, on a registered code nobody raises, and on a call site whose explicit
 * `exit:` disagrees with the registry (the registry fixes the status a script sees; a call site saying
 * otherwise is a bug the type checker cannot see).
 */
import {readdirSync, readFileSync} from 'node:fs';
import {join, relative} from 'node:path';
import ts from 'typescript';
import {describe, expect, it} from 'vitest';
import {BonnieError, ERROR_CODES, EXIT, EXIT_DESCRIPTIONS} from '../../src/lib/base/errors.js';

const REPO = join(import.meta.dirname, '..', '..');
const SRC = join(REPO, 'src');

interface Raise {
  where: string;
  code: string | undefined;
  /** The `exit:` option's expression as written, when there is one. */
  exitText: string | undefined;
  /** Its value when it is `EXIT.<name>` or a number; undefined when it is computed. */
  exit: number | undefined;
}

function sourceFiles(): string[] {
  return readdirSync(SRC, {recursive: true, encoding: 'utf8'})
    .filter((file) => file.endsWith('.ts') && !file.endsWith('.d.ts'))
    .map((file) => join(SRC, file));
}

function exitValue(node: ts.Expression): number | undefined {
  if (ts.isNumericLiteral(node)) return Number(node.text);
  if (ts.isPropertyAccessExpression(node) && ts.isIdentifier(node.expression) && node.expression.text === 'EXIT') {
    return (EXIT as Record<string, number>)[node.name.text];
  }
  return undefined;
}

/** Every `new BonnieError(...)` in `file`. */
function raisesIn(file: string): Raise[] {
  const text = readFileSync(file, 'utf8');
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true);
  const found: Raise[] = [];
  const visit = (node: ts.Node): void => {
    if (ts.isNewExpression(node) && ts.isIdentifier(node.expression) && node.expression.text === 'BonnieError') {
      const [code, , options] = node.arguments ?? [];
      const line = source.getLineAndCharacterOfPosition(node.getStart(source)).line + 1;
      const exitProperty =
        options !== undefined && ts.isObjectLiteralExpression(options)
          ? options.properties.find((p): p is ts.PropertyAssignment => ts.isPropertyAssignment(p) && p.name.getText(source) === 'exit')
          : undefined;
      found.push({
        where: `${relative(REPO, file)}:${line}`,
        code: code !== undefined && ts.isStringLiteralLike(code) ? code.text : undefined,
        exitText: exitProperty?.initializer.getText(source),
        exit: exitProperty === undefined ? undefined : exitValue(exitProperty.initializer),
      });
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}

const raises = sourceFiles().flatMap(raisesIn);
const registered = ERROR_CODES as Record<string, {exit: number; meaning: string}>;

describe('the error-code registry', () => {
  it('finds the call sites (the scan itself works)', () => {
    // Far fewer would mean the parser missed them, and every check below would pass for nothing.
    expect(raises.length).toBeGreaterThan(100);
    expect(raises.map((r) => r.code)).toContain('UsageInvalid');
  });

  it('has every code raised under src/ registered, each written as a literal', () => {
    expect(raises.filter((r) => r.code === undefined).map((r) => `${r.where}: the code is not a string literal`)).toEqual([]);
    const unregistered = raises.filter((r) => r.code !== undefined && !Object.hasOwn(registered, r.code));
    expect(unregistered.map((r) => `${r.where}: ${r.code} is not in ERROR_CODES (src/lib/base/errors.ts)`)).toEqual([]);
  });

  it('has no registered code that nothing raises', () => {
    const raised = new Set(raises.map((r) => r.code));
    expect(Object.keys(registered).filter((code) => !raised.has(code))).toEqual([]);
  });

  it('has no call site whose exit: disagrees with the registry', () => {
    const wrong = raises.filter((r) => r.code !== undefined && r.exitText !== undefined && Object.hasOwn(registered, r.code) && r.exit !== registered[r.code]?.exit);
    expect(wrong.map((r) => `${r.where}: ${r.code} with exit: ${r.exitText}, the registry says ${registered[r.code as string]?.exit}`)).toEqual([]);
  });

  it('gives each code a documented exit status and a one-line meaning', () => {
    const documented = new Set(EXIT_DESCRIPTIONS.map(([status]) => status));
    for (const [code, spec] of Object.entries(registered)) {
      expect(code, code).toMatch(/^[A-Z][A-Za-z]+$/);
      expect(documented.has(spec.exit), `${code}: exit ${spec.exit}`).toBe(true);
      expect(spec.meaning, code).toMatch(/^\S.*\.$/);
      expect(spec.meaning, code).not.toContain('\n');
    }
    expect(Object.keys(registered)).toEqual(Object.keys(registered).sort());
  });

  it('takes the exit status from the code, whatever a caller passes', () => {
    expect(new BonnieError('UsageInvalid', 'bad').exit).toBe(EXIT.usage);
    expect(new BonnieError('CatalogMissing', 'no catalog').exit).toBe(EXIT.catalog);
    expect(new BonnieError('ConfigInvalid', 'bad key', {exit: EXIT.failure}).exit).toBe(EXIT.config);
  });
});

describe('bonnie(1)', () => {
  it('lists every error code with its exit status and meaning (npm run man)', () => {
    const page = readFileSync(join(REPO, 'man', 'bonnie.1'), 'utf8');
    const errors = page.slice(page.indexOf('.SH ERRORS'), page.indexOf('.SH FILES'));
    expect(errors.length).toBeGreaterThan(0);
    for (const [code, spec] of Object.entries(registered)) {
      const at = errors.indexOf(`.TP\n\\fB${code}\\fR (exit ${spec.exit})\n`);
      expect(at, `${code} (exit ${spec.exit}) in man/bonnie.1, ERRORS`).toBeGreaterThan(-1);
    }
  });
});
