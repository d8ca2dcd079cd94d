import { readdirSync, readFileSync } from 'node:fs';
import { join, sep } from 'node:path';
import ts from 'typescript';

/**
 * The product's user requirements (docs/requirements.md) and the tests that verify them: the map in
 * docs/requirements-tests.json, plus any test whose name carries a requirement id as a tag. Tests are
 * edited by many hands, so the map names a test by its file and its own title (the text of `it(...)`),
 * and the traceability check reads the test files to make sure each named test is still there.
 */

export const requirementsFile = 'docs/requirements.md';
export const requirementsMapFile = 'docs/requirements-tests.json';

export type Risk = 'high' | 'medium' | 'low';

export interface Requirement {
  id: string;
  risk: Risk;
  text: string;
}

/** A test as vitest names it: its file and its title (without the enclosing describe blocks). */
export interface TestRef {
  file: string;
  test: string;
}

const requirementLine = /^- (URS-\d{3}) \[(high|medium|low)\] (.+)$/;
const requirementTag = /\bURS-\d{3}\b/g;

/** Each `- URS-001 [high] Sentence.` line of the requirements document, in order. */
export function parseRequirements(markdown: string): Requirement[] {
  return markdown.split('\n').flatMap((line) => {
    const match = requirementLine.exec(line.trim());
    return match ? [{ id: match[1]!, risk: match[2] as Risk, text: match[3]! }] : [];
  });
}

export function readRequirements(path = requirementsFile): Requirement[] {
  return parseRequirements(readFileSync(path, 'utf8'));
}

/** The map file: requirement id → the tests that verify it. */
export function readRequirementsMap(path = requirementsMapFile): Record<string, TestRef[]> {
  return JSON.parse(readFileSync(path, 'utf8')) as Record<string, TestRef[]>;
}

const testFunctions = new Set(['it', 'test']);

function calledName(expression: ts.Expression): string | undefined {
  if (ts.isIdentifier(expression)) return expression.text;
  // it.skip(...), it.concurrent(...), test.fails(...): the title is still the first argument.
  if (ts.isPropertyAccessExpression(expression)) return calledName(expression.expression);
  return undefined;
}

/**
 * The titles of the tests a file declares with a literal title. Parsed rather than matched with a
 * pattern, so escaped quotes and titles over several lines come out as vitest reports them.
 */
export function testTitlesIn(file: string): string[] {
  const source = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.Latest, false, ts.ScriptKind.TS);
  const titles: string[] = [];
  const visit = (node: ts.Node) => {
    if (ts.isCallExpression(node) && testFunctions.has(calledName(node.expression) ?? '')) {
      const first = node.arguments[0];
      if (first && (ts.isStringLiteral(first) || ts.isNoSubstitutionTemplateLiteral(first))) titles.push(first.text);
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return titles;
}

/** Requirement ids named in test titles, with the test naming each. */
export function taggedTests(files: string[]): Map<string, TestRef[]> {
  const tagged = new Map<string, TestRef[]>();
  for (const file of files) {
    for (const test of testTitlesIn(file)) {
      for (const id of test.match(requirementTag) ?? []) tagged.set(id, [...(tagged.get(id) ?? []), { file, test }]);
    }
  }
  return tagged;
}

export interface Traceability {
  requirements: Requirement[];
  /** Requirement id → every test that verifies it (from the map and from tags). */
  tests: Map<string, TestRef[]>;
  /** Sentences saying what does not hold; empty when every requirement is traced to tests that exist. */
  problems: string[];
}

/**
 * Traces every requirement to its tests. A problem is a requirement without a test, a mapped test
 * that is not in its file, or a map entry or tag that names no requirement.
 */
export function traceRequirements(requirements: Requirement[], map: Record<string, TestRef[]>, testFiles: string[]): Traceability {
  const problems: string[] = [];
  const known = new Set(requirements.map((requirement) => requirement.id));
  const seen = new Set<string>();
  for (const requirement of requirements) {
    if (seen.has(requirement.id)) problems.push(`${requirement.id} is declared twice in ${requirementsFile}.`);
    seen.add(requirement.id);
  }
  const titles = new Map<string, Set<string>>();
  const titlesOf = (file: string) => {
    if (!titles.has(file)) titles.set(file, new Set(testFiles.includes(file) ? testTitlesIn(file) : []));
    return titles.get(file)!;
  };
  const tests = new Map<string, TestRef[]>();
  for (const [id, refs] of Object.entries(map)) {
    if (!known.has(id)) problems.push(`${requirementsMapFile} maps tests to ${id}, which is not a requirement.`);
    for (const ref of refs) {
      if (!testFiles.includes(ref.file)) problems.push(`${id} names the test file ${ref.file}, which does not exist.`);
      else if (!titlesOf(ref.file).has(ref.test)) problems.push(`${id} names a test "${ref.test}" that ${ref.file} does not hold.`);
    }
    tests.set(id, [...refs]);
  }
  for (const [id, refs] of taggedTests(testFiles)) {
    if (!known.has(id)) problems.push(`${refs.map((ref) => `${ref.file}: "${ref.test}"`).join(', ')} names ${id}, which is not a requirement.`);
    tests.set(id, [...(tests.get(id) ?? []), ...refs]);
  }
  for (const requirement of requirements) {
    if ((tests.get(requirement.id) ?? []).length === 0)
      problems.push(`${requirement.id} has no test: map one in ${requirementsMapFile} or tag a test with it.`);
  }
  return { requirements, tests, problems };
}

/** The folders vitest looks in for tests (vitest.config.ts). */
const testRoots = ['shared', 'functions', 'local', 'test'];

/** Every test file vitest runs, as paths from the repository's root. */
export function testFiles(root = '.'): string[] {
  return testRoots
    .flatMap((folder) =>
      (readdirSync(join(root, folder), { recursive: true, encoding: 'utf8' }) as string[])
        .filter((name) => name.endsWith('.test.ts'))
        .map((name) => `${folder}/${name.split(sep).join('/')}`),
    )
    .sort();
}
