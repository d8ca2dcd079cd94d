import { actorOf } from '../shared/auth/principal.js';
import { apiKeyCaller } from '../shared/integrations/api-keys.js';
import { takeIntegrationReading } from '../shared/integrations/meter-readings.js';
import {
  addMeter,
  assertMayAddMeters,
  assertMayReadMeters,
  assertMayTakeReadings,
  listMeters,
  meterReadings,
  takeReading,
} from '../shared/meters/meter-readings.js';
import { principalOf } from '../shared/platform/http-pipeline.js';
import { unauthorized } from '../shared/platform/problems.js';
import { http } from '../shared/platform/registry.js';
import {
  createMeterSchema,
  machineParamsSchema,
  meterParamsSchema,
  meterSchema,
  metersParamsSchema,
  postApiReadingSchema,
  postReadingSchema,
  readingResultSchema,
  readingSchema,
} from '../shared/schemas/meters.js';
import { z } from 'zod';

http({
  name: 'meterList',
  methods: ['GET'],
  route: 'labs/{labId}/equipment/{serialNumber}/meters',
  access: 'signed-in',
  summary: "A machine's meters, each with its last reading and the total its usage schedules count",
  tags: ['meters'],
  params: metersParamsSchema,
  response: z.object({ items: z.array(meterSchema) }),
  authorize: (input) => assertMayReadMeters(principalOf(input), input.params.labId),
  handler: async ({ params }) => ({ body: await listMeters(params.labId, params.serialNumber) }),
});

http({
  name: 'meterCreate',
  methods: ['POST'],
  route: 'labs/{labId}/equipment/{serialNumber}/meters',
  access: 'signed-in',
  summary: 'Add a meter (hours, cycles, prints) to a machine; a manager of the lab',
  tags: ['meters'],
  params: metersParamsSchema,
  body: createMeterSchema,
  response: meterSchema,
  successStatus: 201,
  alsoAnswers: [404, 409],
  authorize: (input) => assertMayAddMeters(principalOf(input), input.params.labId),
  handler: async ({ params, body, ...facts }) => ({
    status: 201,
    body: await addMeter(actorOf(principalOf(facts)), params.labId, params.serialNumber, body, facts),
  }),
});

http({
  name: 'meterReadingList',
  methods: ['GET'],
  route: 'labs/{labId}/equipment/{serialNumber}/meters/{meterId}/readings',
  access: 'signed-in',
  summary: "A meter's latest 50 readings, newest first",
  tags: ['meters'],
  params: meterParamsSchema,
  response: z.object({ items: z.array(readingSchema) }),
  alsoAnswers: [404],
  authorize: (input) => assertMayReadMeters(principalOf(input), input.params.labId),
  handler: async ({ params }) => ({ body: await meterReadings(params.labId, params.serialNumber, params.meterId) }),
});

http({
  name: 'meterReadingCreate',
  methods: ['POST'],
  route: 'labs/{labId}/equipment/{serialNumber}/meters/{meterId}/readings',
  access: 'signed-in',
  summary:
    'Take a reading typed at the machine; a value lower than the last needs the reason replaced or reset and starts a new count; opens the usage records whose thresholds it passes',
  tags: ['meters'],
  params: meterParamsSchema,
  body: postReadingSchema,
  response: readingResultSchema,
  successStatus: 201,
  alsoAnswers: [404],
  authorize: (input) => assertMayTakeReadings(principalOf(input), input.params.labId),
  handler: async ({ params, body, ...facts }) => ({
    status: 201,
    body: await takeReading(
      actorOf(principalOf(facts)),
      params.labId,
      params.serialNumber,
      { meterId: params.meterId },
      { value: body.value, reason: body.reason, source: 'typed' },
      facts,
    ),
  }),
});

http({
  name: 'machineMeterReadingCreate',
  methods: ['POST'],
  route: 'machines/{serialNumber}/meter-readings',
  // Callers are integrations with an API key in X-Api-Key, which the authorizer checks; a key is no cookie, so no CSRF token.
  access: 'public',
  csrfExempt: true,
  summary:
    "Post a meter reading from a machine's controller or the lab's systems, with an API key allowing meters:write on its lab; the meter is named as on the machine's page",
  tags: ['integrations'],
  params: machineParamsSchema,
  body: postApiReadingSchema,
  response: readingResultSchema,
  successStatus: 201,
  alsoAnswers: [401, 403, 404],
  integrationCallers: { keyScope: 'meters:write' },
  authorize: async (input) => {
    const caller = await apiKeyCaller(input.request, 'meters:write', input);
    if (!caller) throw unauthorized('Send an API key allowing meters:write in the X-Api-Key header.');
    return caller;
  },
  handler: async ({ params, body, authorized, ...facts }) => ({
    status: 201,
    body: await takeIntegrationReading(authorized, params.serialNumber, body, facts),
  }),
});
