import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { z } from 'zod';
import { entraUsername } from '../shared/auth/microsoft-sign-in.js';
import { attemptCounterId } from '../shared/data/attempt-counters.js';
import { calibrationId } from '../shared/data/calibration-repository.js';
import { classDocumentId, modelKey } from '../shared/data/catalog-repository.js';
import { serialKey } from '../shared/data/equipment-repository.js';
import { installationId } from '../shared/data/installation-repository.js';
import { findingMarkerId, nonconformityId } from '../shared/data/nonconformity-repository.js';
import { deliveryId } from '../shared/data/notification-repository.js';
import { counterId, recordId } from '../shared/data/records-repository.js';
import { newSessionId } from '../shared/data/sessions-repository.js';
import { unknownAccountsPartition } from '../shared/data/users-repository.js';
import { auditEntryId } from '../shared/domain/audit-chain.js';
import { providerIdSchema } from '../shared/schemas/calibration.js';
import { equipmentClassNameSchema, frequencies, modelIdSchema } from '../shared/schemas/catalog.js';
import { labIdSchema, usernameSchema } from '../shared/schemas/common.js';
import { documentIdOf, documentIdProblem, isDocumentId, maxDocumentIdLength } from '../shared/schemas/document-ids.js';
import { serialNumberSchema } from '../shared/schemas/equipment.js';
import { labNumber } from '../shared/domain/lab-numbers.js';

/** Cosmos DB's rule, written out here on its own so the product's copy is checked against it. */
const cosmosAccepts = (id: string) => id.length > 0 && id.length <= maxDocumentIdLength && !/[/\\?#]/.test(id) && Buffer.byteLength(id) <= 1023;

/** Text rich in what people type and in what Cosmos DB refuses. */
const typed = (maxLength: number) =>
  fc
    .array(
      fc.oneof(fc.constantFrom('/', '\\', '?', '#', '~', ' ', '.', '-', '_', '&', '(', ')', '+', '@', 'é', '炉'), fc.string({ minLength: 1, maxLength: 1 })),
      { maxLength },
    )
    .map((parts) => parts.join(''));

/** Values the schema lets through, so each builder is tried on every input the API can hand it. */
function accepted<T extends z.ZodType<string>>(schema: T, text: fc.Arbitrary<string>): fc.Arbitrary<string> {
  return text
    .map((candidate) => schema.safeParse(candidate))
    .filter((result) => result.success)
    .map((result) => result.data!);
}

const alphanumeric = fc.constantFrom(...'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789');
const leading = (rest: fc.Arbitrary<string>) => fc.tuple(alphanumeric, rest).map(([first, tail]) => first + tail);
const labId = fc.stringMatching(/^[A-Z0-9-]{2,10}$/);
const sequence = fc.integer({ min: 1, max: 99_999_999 });
const day = fc.date({ min: new Date('2000-01-01'), max: new Date('2199-12-31'), noInvalidDate: true }).map((date) => date.toISOString().slice(0, 10));

const builders: Record<string, fc.Arbitrary<string>> = {
  'equipment class': accepted(equipmentClassNameSchema, leading(typed(70))).map(classDocumentId),
  model: accepted(modelIdSchema, leading(typed(70))).map(modelKey),
  'equipment and serial-number claim': accepted(serialNumberSchema, leading(typed(70))).map(serialKey),
  record: fc
    .tuple(accepted(serialNumberSchema, leading(typed(70))), fc.constantFrom(...frequencies), day)
    .map(([serial, frequency, start]) => recordId(serialKey(serial), frequency, start)),
  nonconformity: fc.tuple(labId, sequence).map(([lab, n]) => nonconformityId(labNumber('nonconformity', lab, n))),
  calibration: fc.tuple(labId, sequence).map(([lab, n]) => calibrationId(labNumber('calibration', lab, n))),
  'finding marker': fc
    .tuple(labId, sequence, fc.boolean())
    .map(([lab, n, calibration]) => findingMarkerId(calibration ? labNumber('calibration', lab, n) : labNumber('record', lab, n))),
  'notification delivery': fc.oneof(
    fc.tuple(labId, sequence).map(([lab, n]) => deliveryId(`notice:${labNumber('nonconformity', lab, n)}`)),
    day.map((date) => deliveryId(`digest:${date}`)),
  ),
  'audit entry': fc.integer({ min: 1, max: Number.MAX_SAFE_INTEGER }).map(auditEntryId),
  session: fc.constant(null).map(() => newSessionId()),
  'local user': accepted(usernameSchema, leading(typed(110))),
  'Microsoft user': fc
    .record({ preferred_username: typed(120), email: typed(120), upn: typed(120), oid: fc.uuid() }, { requiredKeys: ['oid'] })
    .map(entraUsername),
  lab: accepted(labIdSchema, labId),
  'calibration provider': accepted(providerIdSchema, fc.stringMatching(/^[a-z0-9-]{3,60}$/)),
  'attempt counter': fc.tuple(fc.string(), typed(300), fc.integer()).map(([scope, key, start]) => attemptCounterId(scope, key, start)),
  'fixed documents': fc.constantFrom(installationId, counterId, '~chain', '~generator', unknownAccountsPartition),
};

describe('document ids', () => {
  for (const [name, ids] of Object.entries(builders)) {
    it(`every ${name} id is one Cosmos DB accepts`, () => {
      fc.assert(
        fc.property(ids, (id) => {
          expect(cosmosAccepts(id), JSON.stringify(id)).toBe(true);
          expect(documentIdProblem(id)).toBeNull();
        }),
        { numRuns: 300 },
      );
    });
  }

  it('escapes any text into a valid id, the same text always to the same id and two texts never to one', () => {
    fc.assert(
      fc.property(
        typed(85).filter((text) => text.length > 0),
        typed(85).filter((text) => text.length > 0),
        (a, b) => {
          expect(isDocumentId(documentIdOf(a))).toBe(true);
          expect(documentIdOf(a) === documentIdOf(b)).toBe(a === b);
        },
      ),
    );
  });

  it('leaves text Cosmos DB accepts as it is, so ids stored before keep their meaning', () => {
    expect(documentIdOf('3d printer')).toBe('3d printer');
    expect(classDocumentId('Oven/Furnace')).toBe('oven~2Ffurnace');
  });

  it('says why an id is refused', () => {
    expect(documentIdProblem('oven/furnace')).toBe('A document id cannot contain /, \\, ? or #.');
    expect(documentIdProblem('')).toBe('A document id cannot be empty.');
    expect(documentIdProblem('x'.repeat(256))).toBe('A document id is at most 255 characters.');
  });

  it('gives a Microsoft guest, whose UPN holds #EXT#, a name Cosmos DB accepts', () => {
    expect(entraUsername({ upn: 'ann_example.com#EXT#@contoso.onmicrosoft.com', email: 'Ann@Example.com', oid: 'x' })).toBe('ann@example.com');
    expect(entraUsername({ upn: 'ann_example.com#EXT#@contoso.onmicrosoft.com', oid: '0b1c' })).toBe('0b1c');
  });
});
