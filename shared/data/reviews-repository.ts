import type { AuditEvent } from '../domain/audit-chain.js';
import type { Review } from '../schemas/reviews.js';
import { writeWithAudit } from './audited-write.js';
import { container } from './cosmos.js';
import { readLab, type LabDocument } from './labs-repository.js';
import { retryWhileOvertaken } from './optimistic-retry.js';

/**
 * Signed periodic reviews live in their lab's partition of the labs container, beside the lab
 * document whose audit chain records them: a review and its audit entry are one batch, and the lab
 * document's ETag serialises two reviewers signing at once, so review numbers stay gapless.
 */
export interface ReviewDocument extends Review {
  id: string;
  type: 'review';
}

export function reviewDocumentId(reviewNumber: string): string {
  return `review-${reviewNumber}`;
}

/** Every signed review of a lab, newest number first. */
export async function listReviews(labId: string): Promise<ReviewDocument[]> {
  const { resources } = await (
    await container('labs')
  ).items
    .query<ReviewDocument>(
      { query: "SELECT * FROM c WHERE c.labId = @labId AND c.type = 'review' ORDER BY c.reviewNumber DESC", parameters: [{ name: '@labId', value: labId }] },
      { partitionKey: labId },
    )
    .fetchAll();
  return resources;
}

export async function readReview(labId: string, reviewNumber: string): Promise<ReviewDocument | null> {
  const { resource } = await (await container('labs')).item(reviewDocumentId(reviewNumber), labId).read<ReviewDocument>();
  return resource?.type === 'review' ? resource : null;
}

async function countReviews(labId: string): Promise<number> {
  const { resources } = await (
    await container('labs')
  ).items
    .query<string>(
      // Counted here: aggregates are left out of what the embedded store is trusted with (README's gaps).
      { query: "SELECT VALUE c.id FROM c WHERE c.labId = @labId AND c.type = 'review'", parameters: [{ name: '@labId', value: labId }] },
      { partitionKey: labId },
    )
    .fetchAll();
  return resources.length;
}

/**
 * Stores a new review with its audit entry. `make` is given the review's sequence number in the lab
 * and is asked again if another review was stored meanwhile. Null when the lab does not exist.
 */
export async function storeReview(
  labId: string,
  make: (sequence: number, lab: LabDocument) => { review: ReviewDocument; events: AuditEvent[] },
): Promise<ReviewDocument | null> {
  return retryWhileOvertaken(async () => {
    const lab = await readLab(labId);
    if (!lab) return null;
    const { review, events } = make((await countReviews(labId)) + 1, lab.document);
    await writeWithAudit({
      container: 'labs',
      partition: ['labId', labId],
      owner: lab.document,
      ownerEtag: lab.etag,
      alongside: [{ operationType: 'Create', resourceBody: review as never, partitionKey: labId }],
      events,
    });
    return review;
  }, `The reviews of ${labId}`);
}
