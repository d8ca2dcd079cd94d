import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import '../functions/index.js';
import { fieldLabel, validationProblem } from '../shared/platform/problems.js';
import { registeredHttpFunctions } from '../shared/platform/registry.js';

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
  if (inner instanceof z.ZodObject && depth > 0) return Object.fromEntries(Object.entries(inner.shape).map(([key, value]) => [key, wrongFor(value as z.ZodType, depth - 1)]));
  if (inner instanceof z.ZodArray && depth > 0) return [wrongFor(inner.element as z.ZodType, depth - 1), {}];
  if (inner instanceof z.ZodNumber) return 'not a number';
  return 12345;
}

/** Bodies and queries a careless or hostile client sends: empty, misspelt, every field of the wrong kind, and nested wrong. */
function badInputs(schema: z.ZodType): unknown[] {
  return [{}, { notAField: 1 }, wrongFor(schema, 1), wrongFor(schema, 3), [], 'text', null];
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
    const schema = z.object({ serialNumber: z.string().min(3, { message: 'is too short' }).regex(/^[A-Z]+$/, { message: 'may hold capital letters only' }) }).strict();
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
});
