import { http } from '../shared/platform/registry.js';
import { notFound } from '../shared/platform/problems.js';
import { breakGlassRequestSchema, breakGlassResultSchema, setupRequestSchema, setupResultSchema, setupStatusSchema } from '../shared/schemas/setup.js';
import { performBreakGlass } from '../shared/setup/break-glass.js';
import { performSetup, setupNeeded } from '../shared/setup/first-run.js';

http({
  name: 'setupStatus',
  methods: ['GET'],
  route: 'setup',
  access: 'public',
  summary: 'Whether this installation still needs its first-run setup: { needed: true }, and 404 once it is set up',
  tags: ['setup'],
  response: setupStatusSchema,
  alsoAnswers: [404],
  handler: async () => {
    if (!(await setupNeeded())) throw notFound();
    return { body: { needed: true as const } };
  },
});

http({
  name: 'setupPerform',
  methods: ['POST'],
  route: 'setup',
  access: 'public',
  summary:
    'First-run setup with the one-time token: the first lab and the first Administrator (201), a local one signed in at once (the session cookie is set); 404 once set up',
  tags: ['setup'],
  body: setupRequestSchema,
  response: setupResultSchema,
  successStatus: 201,
  alsoAnswers: [404, 409, 429],
  handler: async ({ body, ...facts }) => {
    const { result, cookie } = await performSetup(body, facts);
    return { status: 201, body: result, ...(cookie ? { cookies: [cookie] } : {}) };
  },
});

http({
  name: 'setupBreakGlass',
  methods: ['POST'],
  route: 'setup/break-glass',
  access: 'public',
  summary:
    'Break-glass with a one-time token that only the holder of the Azure subscription can write: unlocks a local Administrator with a new password, or creates one; audited',
  tags: ['setup'],
  body: breakGlassRequestSchema,
  response: breakGlassResultSchema,
  alsoAnswers: [403, 409, 429],
  handler: async ({ body, ...facts }) => ({ body: await performBreakGlass(body, facts) }),
});
