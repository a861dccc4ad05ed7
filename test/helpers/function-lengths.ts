/**
 * Lines per function of the project's modules, read with the TypeScript compiler's parser: every function
 * declaration, method, constructor, accessor, function expression and arrow function with a block body, with its
 * first and last line. A function's lines include those of the functions inside it.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as ts from 'typescript';
import { ROOT, sourceFiles } from './import-graph';

export interface FunctionSpan {
  file: string;
  name: string;
  /** 1-based first and last line. */
  start: number;
  end: number;
  lines: number;
}

function nameOf(node: ts.Node, source: ts.SourceFile): string {
  const named = node as ts.Node & { name?: ts.Node };
  if (named.name !== undefined) return named.name.getText(source);
  if (ts.isConstructorDeclaration(node)) return 'constructor';
  const parent = node.parent;
  if (ts.isVariableDeclaration(parent) || ts.isPropertyAssignment(parent) || ts.isPropertyDeclaration(parent)) return parent.name.getText(source);
  if (ts.isCallExpression(parent)) return `(callback of ${parent.expression.getText(source).slice(0, 40)})`;
  return '(anonymous)';
}

export function functionSpans(files: readonly string[] = sourceFiles()): FunctionSpan[] {
  const spans: FunctionSpan[] = [];
  for (const file of files) {
    const source = ts.createSourceFile(file, fs.readFileSync(path.join(ROOT, file), 'utf8'), ts.ScriptTarget.Latest, true);
    const visit = (node: ts.Node) => {
      if (
        (ts.isFunctionDeclaration(node) || ts.isMethodDeclaration(node) || ts.isConstructorDeclaration(node) || ts.isGetAccessor(node) ||
          ts.isSetAccessor(node) || ts.isFunctionExpression(node) || (ts.isArrowFunction(node) && ts.isBlock(node.body))) &&
        node.body !== undefined
      ) {
        const start = source.getLineAndCharacterOfPosition(node.getStart(source)).line + 1;
        const end = source.getLineAndCharacterOfPosition(node.getEnd()).line + 1;
        spans.push({ file, name: nameOf(node, source), start, end, lines: end - start + 1 });
      }
      ts.forEachChild(node, visit);
    };
    visit(source);
  }
  return spans;
}

if (require.main === module) {
  const limit = Number(process.argv[2] ?? 80);
  for (const span of functionSpans().filter((s) => s.lines > limit).sort((a, b) => b.lines - a.lines)) {
    console.log(`${String(span.lines).padStart(4)}  ${span.file}:${span.start}  ${span.name}`);
  }
}
