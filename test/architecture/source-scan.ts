/**
 * Reads src/ the way the architecture tests need it: SQL string literals and the tables they name, CREATE
 * TABLE statements, and import edges. Uses the TypeScript parser (not regexes over the whole file) so that
 * comments and non-SQL strings never count.
 */
import {readdirSync, readFileSync} from 'node:fs';
import {join, relative, resolve, dirname, sep} from 'node:path';
import ts from 'typescript';

export const ROOT = resolve(import.meta.dirname, '..', '..');

/** Every .ts file under `dir` (relative to the repository), as repository-relative paths with `/`. */
export function listTs(dir: string): string[] {
  const out: string[] = [];
  const walk = (abs: string): void => {
    for (const entry of readdirSync(abs, {withFileTypes: true})) {
      const p = join(abs, entry.name);
      if (entry.isDirectory()) walk(p);
      else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts')) out.push(relative(ROOT, p).split(sep).join('/'));
    }
  };
  walk(join(ROOT, dir));
  return out.sort();
}

function parse(file: string): ts.SourceFile {
  return ts.createSourceFile(file, readFileSync(join(ROOT, file), 'utf8'), ts.ScriptTarget.Latest, true);
}

/** The text of every string and template literal in a file (a template's `${}` parts become `?`). */
export function stringLiterals(file: string): string[] {
  const out: string[] = [];
  const visit = (node: ts.Node): void => {
    if (ts.isStringLiteral(node) || ts.isNoSubstitutionTemplateLiteral(node)) out.push(node.text);
    else if (ts.isTemplateExpression(node)) {
      out.push(node.head.text + node.templateSpans.map((s) => '?' + s.literal.text).join(''));
    }
    ts.forEachChild(node, visit);
  };
  visit(parse(file));
  return out;
}

// Uppercase only: the house style writes SQL keywords in capitals, prose does not.
const SQL_KEYWORD = /\b(SELECT|INSERT|UPDATE|DELETE|FROM|JOIN|INTO)\b/;
// A table is named after these keywords; `FROM a, b` lists are followed too.
const TABLE_AFTER = /\b(?:FROM|JOIN|INTO|UPDATE|TABLE(?: IF (?:NOT )?EXISTS)?)\s+((?:temp\.|main\.)?\w+(?:\s+(?:AS\s+)?\w+)?(?:\s*,\s*\w+(?:\s+(?:AS\s+)?\w+)?)*)/g;

/** The names after FROM/JOIN/INTO/UPDATE/TABLE (not REFERENCES: a foreign key is the schema's declared dependency, not a query) in one SQL text that are in `tables`. */
export function tablesNamed(sql: string, tables: ReadonlySet<string>): Set<string> {
  const found = new Set<string>();
  for (const m of sql.matchAll(TABLE_AFTER)) {
    for (const part of (m[1] ?? '').split(',')) {
      const name = (part.trim().split(/\s+/)[0] ?? '').replace(/^(temp|main)\./, '');
      if (tables.has(name)) found.add(name);
    }
  }
  return found;
}

/** The tables a file's SQL literals name. */
export function tablesUsedBy(file: string, tables: ReadonlySet<string>): Set<string> {
  const found = new Set<string>();
  for (const text of stringLiterals(file)) {
    if (!SQL_KEYWORD.test(text)) continue;
    for (const t of tablesNamed(text, tables)) found.add(t);
  }
  return found;
}

/** Tables created (CREATE [VIRTUAL] TABLE, or ALTER TABLE ... RENAME TO) by a file's string literals. */
export function tablesCreatedBy(file: string): string[] {
  const out: string[] = [];
  for (const text of stringLiterals(file)) {
    for (const m of text.matchAll(/\bCREATE\s+(?:VIRTUAL\s+)?TABLE\s+(?:IF NOT EXISTS\s+)?(\w+(?:\.\w+)?)/g)) {
      if (m[1] && !m[1].startsWith('temp.')) out.push(m[1]);
    }
    for (const m of text.matchAll(/\bALTER\s+TABLE\s+\w+\s+RENAME\s+TO\s+(\w+)/g)) if (m[1]) out.push(m[1]);
  }
  return out;
}

/** Module specifiers a file imports: import/export ... from, side-effect imports, `import()` with a literal. */
export function importSpecifiers(file: string): string[] {
  const out: string[] = [];
  const visit = (node: ts.Node): void => {
    if ((ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) && node.moduleSpecifier && ts.isStringLiteral(node.moduleSpecifier)) {
      out.push(node.moduleSpecifier.text);
    } else if (ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword) {
      const [arg] = node.arguments;
      if (arg && (ts.isStringLiteral(arg) || ts.isNoSubstitutionTemplateLiteral(arg))) out.push(arg.text);
    }
    ts.forEachChild(node, visit);
  };
  visit(parse(file));
  return out;
}

/** A relative specifier resolved to a repository-relative path (`.js` written, `.ts` on disk), else undefined. */
export function resolveRelative(file: string, specifier: string): string | undefined {
  if (!specifier.startsWith('.')) return undefined;
  const abs = resolve(ROOT, dirname(file), specifier).replace(/\.js$/, '.ts');
  return relative(ROOT, abs).split(sep).join('/');
}
