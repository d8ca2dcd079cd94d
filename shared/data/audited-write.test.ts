import { describe, expect, it } from 'vitest';
import { assertBatchSucceeded, assertDocumentIds } from './audited-write.js';
import { DocumentChanged, DocumentExists } from './errors.js';

describe('assertBatchSucceeded', () => {
  it('passes a batch whose every operation succeeded', () => {
    expect(() =>
      assertBatchSucceeded(
        [
          { statusCode: 200, eTag: '"a"' },
          { statusCode: 201, eTag: '"b"' },
        ],
        'lab LAB01',
      ),
    ).not.toThrow();
  });

  it('reads the failing operation, not the first 424, of an atomic batch', () => {
    expect(() => assertBatchSucceeded([{ statusCode: 424 }, { statusCode: 409 }, { statusCode: 424 }], 'lab LAB01')).toThrow(DocumentExists);
    expect(() => assertBatchSucceeded([{ statusCode: 412 }, { statusCode: 424 }], 'lab LAB01')).toThrow(DocumentChanged);
  });

  it('reports any other failure with its status', () => {
    expect(() => assertBatchSucceeded([{ statusCode: 424 }, { statusCode: 413 }], 'lab LAB01')).toThrow('failed with status 413');
  });
});

describe('assertDocumentIds', () => {
  it('refuses a batch holding an id Cosmos DB would refuse, which the SDK does not check inside a batch', () => {
    expect(() => assertDocumentIds([{ operationType: 'Create', resourceBody: { id: 'oven/furnace' } }])).toThrow('cannot contain /');
    expect(() => assertDocumentIds([{ operationType: 'Replace', id: 'a#b', resourceBody: { id: 'a#b' } }])).toThrow('cannot contain /');
    expect(() =>
      assertDocumentIds([
        { operationType: 'Create', resourceBody: { id: 'oven~2Ffurnace' } },
        { operationType: 'Read', id: 'audit-000000000001' },
      ]),
    ).not.toThrow();
  });
});
