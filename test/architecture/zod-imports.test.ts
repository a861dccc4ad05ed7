/**
 * zod is imported as a namespace (`import * as z from 'zod'`) or for types only: esbuild tree-shakes a namespace
 * import to the schemas used (~90 KiB of a Lambda bundle), while one named import (`import { z } from 'zod'`)
 * bundles all of zod (~440 KiB), which every cold start then compiles.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as ts from 'typescript';
import { ROOT, sourceFiles } from '../helpers/import-graph';

/** The import declarations of `text` that take values from zod other than as a namespace. */
function wholeZodImports(text: string): string[] {
  if (!text.includes('zod')) return [];
  const source = ts.createSourceFile('file.ts', text, ts.ScriptTarget.Latest, true);
  const found: string[] = [];
  for (const statement of source.statements) {
    if (!ts.isImportDeclaration(statement) || !ts.isStringLiteral(statement.moduleSpecifier) || statement.moduleSpecifier.text !== 'zod') continue;
    const clause = statement.importClause;
    if (clause === undefined || clause.isTypeOnly) continue;
    if (clause.namedBindings !== undefined && ts.isNamespaceImport(clause.namedBindings) && clause.name === undefined) continue;
    if (clause.name === undefined && clause.namedBindings !== undefined && ts.isNamedImports(clause.namedBindings) && clause.namedBindings.elements.every((e) => e.isTypeOnly)) continue;
    found.push(statement.getText(source));
  }
  return found;
}

describe('zod imports', () => {
  it('finds a named or default import of zod (the check can fail)', () => {
    expect(wholeZodImports("import { z } from 'zod';")).toEqual(["import { z } from 'zod';"]);
    expect(wholeZodImports("import z from 'zod';")).toHaveLength(1);
    expect(wholeZodImports("import * as z from 'zod';\nimport type { z as Z } from 'zod';\nimport { type ZodType } from 'zod';")).toEqual([]);
  });

  it('of the project are namespace or type-only imports', () => {
    const offending = sourceFiles().flatMap((file) => wholeZodImports(fs.readFileSync(path.join(ROOT, file), 'utf8')).map((text) => `${file}: ${text}`));
    expect(offending).toEqual([]);
  });
});
