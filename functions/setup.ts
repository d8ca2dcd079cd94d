import { http } from '../shared/platform/registry.js';
import { notFound } from '../shared/platform/problems.js';
import { setupRequestSchema, setupResultSchema, setupStatusSchema } from '../shared/schemas/setup.js';
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
  summary: 'First-run setup with the one-time token: the first lab and the first Administrator (201), a local one signed in at once (the session cookie is set); 404 once set up',
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
