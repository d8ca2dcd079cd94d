import { readSerialClaim } from '../data/equipment-repository.js';
import { takeReading } from '../meters/meter-readings.js';
import type { RequestOrigin } from '../platform/http-pipeline.js';
import { notFound } from '../platform/problems.js';
import type { PostApiReading, ReadingResult } from '../schemas/meters.js';
import { keyActor, type ApiKeyCaller } from './api-keys.js';

/**
 * A reading an integration posts with a key allowing meters:write. A machine of a lab the key was not
 * given answers exactly as one that does not exist, so a key learns nothing about other labs.
 */
export async function takeIntegrationReading(caller: ApiKeyCaller, serialNumber: string, input: PostApiReading, facts: RequestOrigin): Promise<ReadingResult> {
  const labId = (await readSerialClaim(serialNumber))?.document.labId;
  if (!labId || !caller.labIds.includes(labId)) throw notFound(`There is no machine ${serialNumber} in the labs this API key may write to.`);
  return takeReading(keyActor(caller), labId, serialNumber, { name: input.meter }, { value: input.value, reason: input.reason, source: 'api' }, facts);
}
