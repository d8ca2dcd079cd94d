import { entraAppRoles } from '../shared/integrations/entra-app-tokens.js';
import { integrationCaller } from '../shared/integrations/integration-callers.js';
import { machineFitnessFor } from '../shared/integrations/machine-fitness.js';
import { unauthorized } from '../shared/platform/problems.js';
import { http } from '../shared/platform/registry.js';
import { machineFitnessParamsSchema, machineFitnessSchema } from '../shared/schemas/machine-fitness.js';

http({
  name: 'machineFitness',
  methods: ['GET'],
  route: 'machines/{serialNumber}/fitness',
  // Callers are integrations with an API key (X-Api-Key) or an Entra access token (X-Entra-Token), which the authorizer checks.
  access: 'public',
  summary:
    'Whether a machine is fit for use, for a LIMS with an API key allowing fitness:read on its lab: state, reasons, calibration due and since when; a machine of another lab answers as one that does not exist',
  tags: ['integrations'],
  params: machineFitnessParamsSchema,
  response: machineFitnessSchema,
  alsoAnswers: [401, 403, 404],
  integrationCallers: { keyScope: 'fitness:read', entraAppRole: entraAppRoles['fitness:read'] },
  authorize: async (input) => {
    const caller = await integrationCaller(input.request, 'fitness:read', input);
    if (!caller)
      throw unauthorized(
        'Send an API key allowing fitness:read in the X-Api-Key header, or a Microsoft Entra access token with the Fitness.Read role in X-Entra-Token.',
      );
    return caller;
  },
  handler: async ({ params, authorized }) => ({ body: await machineFitnessFor(authorized, params.serialNumber) }),
});
