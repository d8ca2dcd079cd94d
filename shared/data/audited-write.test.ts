import { describe, expect, it } from 'vitest';
import { assertBatchSucceeded } from './audited-write.js';
import { DocumentChanged, DocumentExists } from './errors.js';

describe('assertBatchSucceeded', () => {
  it('passes a batch whose every operation succeeded', () => {
    expect(() => assertBatchSucceeded([{ statusCode: 200, eTag: '"a"' }, { statusCode: 201, eTag: '"b"' }], 'lab LAB01')).not.toThrow();
  });

  it('reads the failing operation, not the first 424, of an atomic batch', () => {
    expect(() => assertBatchSucceeded([{ statusCode: 424 }, { statusCode: 409 }, { statusCode: 424 }], 'lab LAB01')).toThrow(DocumentExists);
    expect(() => assertBatchSucceeded([{ statusCode: 412 }, { statusCode: 424 }], 'lab LAB01')).toThrow(DocumentChanged);
  });

  it('reports any other failure with its status', () => {
    expect(() => assertBatchSucceeded([{ statusCode: 424 }, { statusCode: 413 }], 'lab LAB01')).toThrow('failed with status 413');
  });
});
