import { z } from 'zod';
import { canAnywhere } from '../shared/domain/permissions.js';
import { principalOf } from '../shared/platform/http-pipeline.js';
import { forbidden } from '../shared/platform/problems.js';
import { enqueue, http, queue, timer } from '../shared/platform/registry.js';
import {
  generatorHealth,
  generatorPoisonQueue,
  generatorQueue,
  labRunMessageSchema,
  planRun,
  planScheduledRun,
  recordPoisoned,
  runLabFromQueue,
} from '../shared/jobs/generator-runs.js';
import { labIdSchema } from '../shared/schemas/common.js';

/** Every minute by default (GENERATOR_SCHEDULE); each lab is queued once an hour, at its own minute. */
timer({
  name: 'generateRecordsOnSchedule',
  schedule: '%GENERATOR_SCHEDULE%',
  queueOutputs: [generatorQueue],
  handler: async (_timer, context) => {
    const { runId, messages } = await planScheduledRun(new Date());
    enqueue(context, generatorQueue, messages);
    if (messages.length > 0) context.log(`Generator run ${runId}: queued ${messages.length} labs`);
  },
});

queue({
  name: 'generateRecordsForLab',
  queueName: generatorQueue,
  message: labRunMessageSchema,
  handler: async (message, delivery, context) => {
    const summary = await runLabFromQueue(message, delivery);
    context.log(`Generator run ${message.runId} at ${message.labId}: ${JSON.stringify(summary)}`);
  },
});

queue({
  name: 'generatorPoisonMessages',
  queueName: generatorPoisonQueue,
  message: labRunMessageSchema,
  handler: async (message, _delivery, context) => {
    await recordPoisoned(message);
    context.error(`Generator run ${message.runId} at ${message.labId} failed on every delivery`);
  },
});

const assertMayRunGenerator = (input: Parameters<typeof principalOf>[0]) => {
  if (!canAnywhere(principalOf(input), 'administration', 'write')) throw forbidden('Only an administrator can run the record generator.');
};

http({
  name: 'adminGenerate',
  methods: ['POST'],
  route: 'admin/generate',
  access: 'signed-in',
  summary: 'Run the record generator now, for every active lab or one, optionally as of a past date (202 with a run id)',
  tags: ['administration'],
  body: z
    .object({
      date: z
        .string()
        .regex(/^\d{4}-\d{2}-\d{2}$/, { message: 'must be a date as YYYY-MM-DD' })
        .optional(),
      labId: labIdSchema.optional(),
    })
    .strict(),
  response: z.object({ runId: z.string(), labs: z.array(z.string()) }),
  successStatus: 202,
  queueOutputs: [generatorQueue],
  authorize: assertMayRunGenerator,
  handler: async ({ body, context }) => {
    const { runId, messages } = await planRun(body, new Date());
    enqueue(context, generatorQueue, messages);
    return { status: 202, body: { runId, labs: messages.map((message) => message.labId) } };
  },
});

http({
  name: 'adminGeneratorHealth',
  methods: ['GET'],
  route: 'admin/generator',
  access: 'signed-in',
  summary: 'Generator health: last run and last success per lab, failures and poison messages',
  tags: ['administration'],
  authorize: (input) => {
    if (!canAnywhere(principalOf(input), 'administration', 'read')) throw forbidden('Only administrators and global auditors can see the generator.');
  },
  handler: async () => ({ body: await generatorHealth() }),
});
