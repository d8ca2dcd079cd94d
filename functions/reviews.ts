import { principalOf } from '../shared/platform/http-pipeline.js';
import { http } from '../shared/platform/registry.js';
import {
  assertMayReview,
  assertMayReviewCompany,
  previewCompanyAccess,
  previewReview,
  reviewList,
  reviewOf,
  signReview,
} from '../shared/reviews/periodic-reviews.js';
import {
  companyAccessPreviewSchema,
  reviewDocumentParamsSchema,
  reviewListSchema,
  reviewParamsSchema,
  reviewPreviewQuerySchema,
  reviewPreviewSchema,
  reviewSchema,
  signReviewSchema,
} from '../shared/schemas/reviews.js';

http({
  name: 'reviewList',
  methods: ['GET'],
  route: 'labs/{labId}/reviews',
  access: 'signed-in',
  summary: "The lab's signed periodic reviews (audit trail, user access), newest first, and when each kind is next due",
  tags: ['reviews'],
  params: reviewParamsSchema,
  response: reviewListSchema,
  authorize: (input) => assertMayReview(principalOf(input), input.params.labId),
  handler: async ({ params }) => ({ body: await reviewList(params.labId) }),
});

http({
  name: 'reviewPreview',
  methods: ['GET'],
  route: 'labs/{labId}/reviews/preview',
  access: 'signed-in',
  summary:
    'The figures a review of the period would sign: counts of signatures, amendments, failed sign-ins, lockouts, permission changes, overrides and denied requests with the entries to look at, or who holds which role and which accounts are dormant',
  tags: ['reviews'],
  params: reviewParamsSchema,
  query: reviewPreviewQuerySchema,
  response: reviewPreviewSchema,
  authorize: (input) => assertMayReview(principalOf(input), input.params.labId),
  handler: async ({ params, query }) => ({ body: await previewReview(params.labId, query) }),
});

http({
  name: 'reviewSign',
  methods: ['POST'],
  route: 'labs/{labId}/reviews',
  access: 'signed-in',
  summary: 'Sign a periodic review "Reviewed by" with findings: the figures are counted again and stored with the signature; a signed review never changes',
  tags: ['reviews'],
  params: reviewParamsSchema,
  body: signReviewSchema,
  response: reviewSchema,
  successStatus: 201,
  checksPassword: true,
  authorize: (input) => assertMayReview(principalOf(input), input.params.labId),
  handler: async ({ params, body, ...facts }) => ({ status: 201, body: await signReview(principalOf(facts), params.labId, body, facts) }),
});

http({
  name: 'reviewRead',
  methods: ['GET'],
  route: 'labs/{labId}/reviews/{reviewNumber}',
  access: 'signed-in',
  summary: 'One signed periodic review: its period, figures, findings and "Reviewed by" signature',
  tags: ['reviews'],
  params: reviewDocumentParamsSchema,
  response: reviewSchema,
  authorize: (input) => assertMayReview(principalOf(input), input.params.labId),
  handler: async ({ params }) => ({ body: await reviewOf(params.labId, params.reviewNumber) }),
});

http({
  name: 'companyAccessReviewPreview',
  methods: ['GET'],
  route: 'reviews/company-access/preview',
  access: 'signed-in',
  summary:
    'Who holds the company-wide roles (Administrator, Global Audit), which no lab review lists: each account with its last sign-in, dormant or never used, the reviewer included',
  tags: ['reviews'],
  response: companyAccessPreviewSchema,
  authorize: (input) => assertMayReviewCompany(principalOf(input)),
  handler: async (input) => ({ body: await previewCompanyAccess(principalOf(input)) }),
});
