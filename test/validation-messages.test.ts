import { readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import '../functions/index.js';
import { fieldLabel, validationProblem } from '../shared/platform/problems.js';
import { registeredHttpFunctions } from '../shared/platform/registry.js';
import { loginSchema } from '../shared/schemas/auth.js';
import * as calibrationSchemas from '../shared/schemas/calibration.js';
import { createLabSchema } from '../shared/schemas/labs.js';
import { reportNonconformitySchema } from '../shared/schemas/nonconformities.js';
import { unsubscribeInputSchema } from '../shared/schemas/notifications.js';
import { updateUserSchema } from '../shared/schemas/users.js';

/** The schema inside optional, nullable, default and pipe wrappers. */
function unwrapped(schema: z.ZodType): z.ZodType {
  let current = schema as z.ZodType & { unwrap?: () => z.ZodType; def?: { innerType?: z.ZodType; in?: z.ZodType } };
  for (let depth = 0; depth < 10; depth++) {
    const inner = current.def?.innerType ?? current.def?.in ?? (typeof current.unwrap === 'function' ? current.unwrap() : undefined);
    if (!inner || inner === current) return current;
    current = inner as typeof current;
  }
  return current;
}

/** A value of the wrong kind for a schema, reaching one level into objects and arrays so that nested paths appear. */
function wrongFor(schema: z.ZodType, depth: number): unknown {
  const inner = unwrapped(schema);
  if (inner instanceof z.ZodObject && depth > 0)
    return Object.fromEntries(Object.entries(inner.shape).map(([key, value]) => [key, wrongFor(value as z.ZodType, depth - 1)]));
  if (inner instanceof z.ZodArray && depth > 0) return [wrongFor(inner.element as z.ZodType, depth - 1), {}];
  if (inner instanceof z.ZodNumber) return 'not a number';
  return 12345;
}

/** Bodies and queries a careless or hostile client sends: empty, misspelt, every field of the wrong kind, and nested wrong. */
function badInputs(schema: z.ZodType): unknown[] {
  return [{}, { notAField: 1 }, wrongFor(schema, 1), wrongFor(schema, 3), [], 'text', null];
}

/** What zod says by itself when a schema gives no message: never what a person should read. */
const zodWording =
  /Too big|Too small|expected (string|number|array|object|boolean|int|nonoptional)|Invalid (input|string|option|element|key|type)|Unrecognized key|to have [<>]=/;

interface Schema {
  def: { type: string; checks?: { _zod: { def: Record<string, unknown> } }[]; [key: string]: unknown };
}
const defOf = (schema: z.ZodType) => (schema as unknown as Schema).def;
const checksOf = (schema: z.ZodType) => (defOf(schema).checks ?? []).map((check) => check._zod.def as Record<string, unknown>);

/** The schema a value meets first: through optional, nullable, default and the input side of pipes and transforms. */
function inputSide(schema: z.ZodType): z.ZodType {
  let current = schema;
  for (let depth = 0; depth < 20; depth++) {
    const def = defOf(current);
    const next = (def.innerType ?? (def.type === 'pipe' ? def.in : undefined)) as z.ZodType | undefined;
    if (!next) return current;
    current = next;
  }
  return current;
}

/** A value the schema may well take, for the fields beside the one being probed. */
function sample(schema: z.ZodType): unknown {
  const inner = inputSide(schema);
  const def = defOf(inner);
  const checks = checksOf(inner);
  switch (def.type) {
    case 'string': {
      const min = Number(checks.find((check) => check.check === 'min_length')?.minimum ?? 1);
      return 'A'.repeat(Math.max(min, 1));
    }
    case 'number':
      return Number(checks.find((check) => check.check === 'greater_than')?.value ?? 1);
    case 'boolean':
      return true;
    case 'array': {
      const min = Number(checks.find((check) => check.check === 'min_length')?.minimum ?? 0);
      return Array.from({ length: min }, () => sample(def.element as z.ZodType));
    }
    case 'object':
      return Object.fromEntries(Object.entries((def.shape ?? {}) as Record<string, z.ZodType>).map(([key, value]) => [key, sample(value)]));
    case 'enum':
      return Object.values(def.entries as Record<string, unknown>)[0];
    case 'literal':
      return (def.values as unknown[])[0];
    case 'union':
      return sample((def.options as [z.ZodType])[0]);
    default:
      return undefined;
  }
}

const wrongKind = (type: string): unknown =>
  type === 'string' || type === 'enum' || type === 'literal' ? 12345 : type === 'array' || type === 'object' ? 'text' : 'not a number';

/**
 * Values past each limit the schema itself declares (too long, too short, too many, too few, too
 * small, too large, not whole, out of form, the wrong kind, with control characters), each at its
 * path inside an otherwise sampled value.
 */
function limitProbes(schema: z.ZodType, depth = 0): unknown[] {
  const inner = inputSide(schema);
  const def = defOf(inner);
  const checks = checksOf(inner);
  const probes: unknown[] = [wrongKind(def.type), null];
  for (const check of checks) {
    if (def.type === 'string') {
      if (check.check === 'min_length') probes.push('A'.repeat(Math.max(Number(check.minimum) - 1, 0)), '   ');
      if (check.check === 'max_length') probes.push('A'.repeat(Number(check.maximum) + 1));
      if (check.check === 'string_format') probes.push('not in the form: [x](https://evil.example) <at>Maria</at>');
    }
    if (def.type === 'number') {
      if (check.check === 'greater_than') probes.push(Number(check.value) - 1);
      if (check.check === 'less_than') probes.push(Number(check.value) + 1);
      if (check.check === 'number_format') probes.push(1.5);
    }
    if (def.type === 'array') {
      if (check.check === 'min_length') probes.push([]);
      if (check.check === 'max_length') probes.push(Array.from({ length: Number(check.maximum) + 1 }, () => sample(def.element as z.ZodType)));
    }
  }
  if (def.type === 'string') probes.push('Lab HQA\r\nBcc: x@evil.example', 'Tara\u0000\u0085\u2028', '', 'A'.repeat(5000));
  if (def.type === 'number') probes.push(-1e12, 1e12, 0.5);
  if (def.type === 'enum' || def.type === 'literal') probes.push('none of these');
  if (depth > 4) return probes;
  if (def.type === 'array') probes.push(...limitProbes(def.element as z.ZodType, depth + 1).map((value) => [value]));
  if (def.type === 'union') for (const option of def.options as z.ZodType[]) probes.push(...limitProbes(option, depth + 1));
  if (def.type === 'object') {
    const base = sample(inner) as Record<string, unknown>;
    for (const [key, field] of Object.entries((def.shape ?? {}) as Record<string, z.ZodType>)) {
      for (const value of limitProbes(field, depth + 1)) probes.push({ ...base, [key]: value });
      const { [key]: _left, ...without } = base;
      probes.push(without);
    }
  }
  return probes;
}

/** Every schema shared/schemas exports, by module and name. */
async function exportedSchemas(): Promise<[string, z.ZodType][]> {
  const folder = new URL('../shared/schemas/', import.meta.url);
  const found: [string, z.ZodType][] = [];
  for (const file of readdirSync(folder).filter((name) => name.endsWith('.ts') && !name.endsWith('.test.ts'))) {
    const module = (await import(new URL(file, folder).href)) as Record<string, unknown>;
    for (const [name, value] of Object.entries(module)) if (value instanceof z.ZodType) found.push([`${file} ${name}`, value]);
  }
  return found;
}

const dottedPath = /\b[A-Za-z_]\w*\.\w+/;
const doubledWord = /\b(\w+)\s+\1\b/i;

describe('validation messages for people', () => {
  it('names fields by their labels, counting positions from 1 as the form does', () => {
    expect(fieldLabel('serialNumber')).toBe('Serial number');
    expect(fieldLabel('frequencies.Daily.tasks.1.text')).toBe('Daily task 2 text');
    expect(fieldLabel('signature.password')).toBe('Signature password');
    expect(fieldLabel('responses.0.value')).toBe('Response 1 value');
    expect(fieldLabel('points.2.maxUncertainty')).toBe('Point 3 max uncertainty');
    expect(fieldLabel('lab.labId')).toBe('Lab ID');
    expect(fieldLabel('modelId')).toBe('Model ID');
    expect(fieldLabel('(body)')).toBe('');
    // A list of statuses named in a query: "Status 1", never "Statu 1".
    expect(fieldLabel('status.0')).toBe('Status 1');
    expect(fieldLabel('statuses.1')).toBe('Status 2');
    expect(fieldLabel('emailAddresses.0')).toBe('Email address 1');
    expect(fieldLabel('categories.0')).toBe('Category 1');
  });

  it('says each field once with all that is wrong with it, as one sentence', () => {
    const schema = z
      .object({
        serialNumber: z
          .string()
          .min(3, { message: 'is too short' })
          .regex(/^[A-Z]+$/, { message: 'may hold capital letters only' }),
      })
      .strict();
    const result = schema.safeParse({ serialNumber: 'a' });
    expect(result.success).toBe(false);
    const problem = validationProblem('Some of what was sent needs correcting', result.error!);
    expect(problem.detail).toBe('Some of what was sent needs correcting: Serial number is too short and may hold capital letters only.');
    expect(problem.extra.errors?.map((error) => error.field)).toEqual(['serialNumber', 'serialNumber']);
  });

  it('gives no schema path and no doubled word in any detail, for every body and query the API takes', () => {
    const declarations = registeredHttpFunctions().map(({ declaration }) => declaration);
    let checked = 0;
    for (const declaration of declarations) {
      for (const [schema, intro] of [
        [declaration.body, 'Some of what was sent needs correcting'],
        [declaration.query, 'Some of the query parameters need correcting'],
      ] as const) {
        if (!schema) continue;
        for (const input of badInputs(schema as z.ZodType)) {
          const result = (schema as z.ZodType).safeParse(input);
          if (result.success) continue;
          const detail = validationProblem(intro, result.error).detail!;
          const words = detail.replace(/e\.g\./g, 'for example');
          expect(words, `${declaration.name}: ${detail}`).not.toMatch(dottedPath);
          expect(words, `${declaration.name}: ${detail}`).not.toMatch(doubledWord);
          expect(detail, declaration.name).toMatch(/[.!?]$/);
          checked += 1;
        }
      }
    }
    expect(checked).toBeGreaterThan(100);
  });
  it("says every limit of every schema as a sentence, never in zod's own words", async () => {
    const schemas: [string, z.ZodType][] = [...(await exportedSchemas())];
    for (const { declaration } of registeredHttpFunctions()) {
      if (declaration.body) schemas.push([`${declaration.name} body`, declaration.body as z.ZodType]);
      if (declaration.query) schemas.push([`${declaration.name} query`, declaration.query as z.ZodType]);
    }
    let checked = 0;
    for (const [name, schema] of schemas) {
      for (const input of limitProbes(schema)) {
        const result = schema.safeParse(input);
        if (result.success) continue;
        const detail = validationProblem('Some of what was sent needs correcting', result.error).detail!;
        expect(detail, `${name} ${JSON.stringify(input)?.slice(0, 200)}`).not.toMatch(zodWording);
        expect(detail, name).toMatch(/[.!?]$/);
        checked += 1;
      }
    }
    expect(checked).toBeGreaterThan(2000);
  });

  it("says the limits the attack found in zod's words as sentences", () => {
    const { calibrationInputSchema, certificateUploadQuerySchema } = calibrationSchemas;
    const detail = (schema: z.ZodType, input: unknown) => {
      const result = schema.safeParse(input);
      expect(result.success).toBe(false);
      return validationProblem('Some of what was sent needs correcting', result.error!).detail;
    };
    const asFound = Array.from({ length: 51 }, () => ({ pointId: 'P1', value: 1 }));
    expect(detail(calibrationInputSchema, { performedOn: '2026-01-05', kind: 'internal', adjusted: false, asFound })).toContain(
      'As found may hold at most 50 items',
    );
    expect(detail(certificateUploadQuerySchema, { fileName: '' })).toBe(
      'Some of what was sent needs correcting: File name cannot be empty; leave it out instead.',
    );
    expect(detail(unsubscribeInputSchema, { token: 'x'.repeat(4001) })).toBe('Some of what was sent needs correcting: Token must be at most 4000 characters.');
    expect(detail(loginSchema, { username: 'x'.repeat(101), password: 'p' })).toBe(
      'Some of what was sent needs correcting: Username must be at most 100 characters.',
    );
  });

  it('refuses line breaks and control characters in one-line fields, and keeps line breaks in descriptions', () => {
    const name = createLabSchema.safeParse({ labId: 'HQA', name: 'Lab HQA\r\nBcc: x@evil.example' });
    expect(validationProblem('Some of what was sent needs correcting', name.error!).detail).toBe(
      'Some of what was sent needs correcting: Name cannot contain line breaks or other control characters.',
    );
    for (const firstName of ['Tara\r\nBcc: x@evil.example', 'Tara\u0000', 'Tara\u0085', 'Tara\u2028Bcc', 'Ta\tra']) {
      expect(updateUserSchema.safeParse({ firstName }).success, JSON.stringify(firstName)).toBe(false);
    }
    const description = reportNonconformitySchema.safeParse({ serialNumber: 'SN-1', description: 'Door seal torn\r\nFan noisy\rLeaks' });
    expect(description.data?.description).toBe('Door seal torn\nFan noisy\nLeaks');
    const nul = reportNonconformitySchema.safeParse({ serialNumber: 'SN-1', description: 'Door\u0000seal' });
    expect(validationProblem('Some of what was sent needs correcting', nul.error!).detail).toBe(
      'Some of what was sent needs correcting: Description cannot contain control characters other than line breaks.',
    );
  });
});
