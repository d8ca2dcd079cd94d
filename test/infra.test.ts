import { readFile, readdir } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { containerDefinitions } from '../shared/data/containers.js';
import { settingsSchema } from '../shared/platform/config.js';
import { secretNames } from '../shared/platform/secrets.js';

/** The Bicep CLI cannot be installed here, so these checks read the templates as text. */
const read = (path: string) => readFile(path, 'utf8');

/** Settings the Functions platform itself reads, beside the product's own. */
const platformSettings = new Set(['AzureWebJobsStorage__accountName', 'AzureWebJobsStorage__credential', 'FUNCTIONS_WORKER_RUNTIME', 'AzureWebJobsStorage']);

function objectKeys(bicep: string, marker: string): string[] {
  const start = bicep.indexOf(marker);
  expect(start, marker).toBeGreaterThanOrEqual(0);
  // The block ends at its own closing brace; string interpolations inside it (${...}) are balanced.
  let depth = 0;
  let end = start + marker.length - 1;
  for (; end < bicep.length; end++) {
    if (bicep[end] === '{') depth++;
    if (bicep[end] === '}' && --depth === 0) break;
  }
  const block = bicep.slice(start, end);
  return [...block.matchAll(/^\s+([A-Za-z_][A-Za-z0-9_]*):/gm)].map((match) => match[1]!);
}

/** The Function App's settings: the code's defaults, the operator's, and those main.bicep and the module set. */
async function appSettingNames(): Promise<string[]> {
  const main = await read('infra/main.bicep');
  const functionApp = await read('infra/modules/functionapp.bicep');
  return [
    ...objectKeys(main, 'var settingDefaults = {'),
    ...objectKeys(main, 'appSettings: union(settingDefaults, additionalAppSettings, {'),
    ...objectKeys(functionApp, 'properties: union(appSettings, {'),
  ];
}

describe('infrastructure templates', () => {
  it('reference only modules that exist, with balanced braces', async () => {
    const main = await read('infra/main.bicep');
    const referenced = [...main.matchAll(/module \w+ '([^']+)'/g)].map((match) => match[1]!.replace('modules/', ''));
    const present = await readdir('infra/modules');
    for (const module of referenced) expect(present).toContain(module);
    for (const file of ['main.bicep', ...present.map((name) => `modules/${name}`)]) {
      const text = await read(`infra/${file}`);
      expect((text.match(/\{/g) ?? []).length, file).toBe((text.match(/\}/g) ?? []).length);
      expect((text.match(/\[/g) ?? []).length, file).toBe((text.match(/\]/g) ?? []).length);
    }
  });

  it('create the same Cosmos containers, partition keys, TTLs and composite indexes as the code', async () => {
    const cosmos = await read('infra/modules/cosmos.bicep');
    const list = cosmos.slice(cosmos.indexOf('var containers = ['), cosmos.indexOf('\n]\n', cosmos.indexOf('var containers = [')));
    // Each container starts at its name; its composite indexes are the paths up to the next name.
    const declared = list
      .split(/(?=name: ')/)
      .slice(1)
      .map((entry) => {
        const [, id, partitionKey, ttl] = /^name: '([^']+)'[,\s]+partitionKey: '([^']+)'[,\s]+defaultTtl: (null|-?\d+)/.exec(entry)!;
        const paths = [...entry.matchAll(/\{ path: '([^']+)', order: '(ascending|descending)' \}/g)].map(([, path, order]) => ({ path, order }));
        return { id, partitionKey, ...(ttl === 'null' ? {} : { defaultTtl: Number(ttl) }), paths };
      });
    expect(declared).toEqual(
      Object.values(containerDefinitions).map(({ id, partitionKey, ...rest }) => ({
        id,
        partitionKey,
        ...('defaultTtl' in rest ? { defaultTtl: rest.defaultTtl } : {}),
        paths: 'compositeIndexes' in rest ? rest.compositeIndexes.flat() : [],
      })),
    );
    expect(cosmos).toContain('disableLocalAuth: true');
    expect(cosmos).toContain('compositeIndexes: container.compositeIndexes');
  });

  it('give the Function App identity exactly the data roles it needs', async () => {
    const rbac = await read('infra/modules/rbac.bicep');
    expect(rbac).toContain("keyVaultSecretsUser: '4633458b-17de-408a-b874-0445c86b69e6'");
    expect(rbac).toContain("storageBlobDataOwner: 'b7e6dc6d-f1e8-4753-8033-0f276bb0955b'");
    expect(rbac).toContain("storageQueueDataContributor: '974c5e8b-45b9-4653-ba55-5f855dd0fb88'");
    expect(rbac).toContain("monitoringMetricsPublisher: '3913510d-42f4-4e42-8a64-420c390055eb'");
    expect(rbac).toContain("cosmosBuiltInDataContributor: '00000000-0000-0000-0000-000000000002'");
    expect(rbac).toContain('Microsoft.DocumentDB/databaseAccounts/sqlRoleAssignments');
    expect(rbac).toContain("communicationAndEmailServiceOwner: '09976791-48a7-449e-bb21-39d1a415f350'");
    expect(rbac).toMatch(/resource apiSendsEmail [^\n]+ = \{\n {2}name: [^\n]+\n {2}scope: communicationService\n/);
    const keyVault = await read('infra/modules/keyvault.bicep');
    expect(keyVault).toContain('enableRbacAuthorization: true');
  });

  it('run the API on Flex Consumption with Node 22, linked to a Standard Static Web App', async () => {
    const functionApp = await read('infra/modules/functionapp.bicep');
    expect(functionApp).toContain("runtime: { name: 'node', version: '22' }");
    expect(functionApp).toContain("tier: 'FlexConsumption'");
    expect(functionApp).toContain("type: 'SystemAssigned'");
    expect(await read('infra/modules/staticwebapp.bicep')).toContain("sku: { name: 'Standard', tier: 'Standard' }");
    expect(await read('infra/modules/linked-backend.bicep')).toContain('Microsoft.Web/staticSites/linkedBackends');
  });

  it('set only settings the code reads', async () => {
    const known = new Set(Object.keys(settingsSchema.shape));
    const settings = await appSettingNames();
    expect(settings.length).toBeGreaterThan(5);
    for (const name of settings) expect(known.has(name) || platformSettings.has(name), name).toBe(true);
    expect(settings).toContain('KEY_VAULT_URI');
    expect(settings).toContain('COSMOS_ENDPOINT');
  });
});

describe('generator queues', () => {
  it('exist in the storage account under the names the code uses', async () => {
    const { generatorQueue, generatorPoisonQueue } = await import('../shared/jobs/generator-runs.js');
    const storage = await read('infra/modules/storage.bicep');
    expect(storage).toContain(`for queueName in ['${generatorQueue}', '${generatorPoisonQueue}']`);
    expect(storage).toContain('allowSharedKeyAccess: false');
  });
});

describe('first-run setup in Azure', () => {
  it('creates the setup token as a Key Vault secret from a secure, random parameter, and outputs only the command that reads it', async () => {
    const main = await read('infra/main.bicep');
    expect(main).toMatch(/@secure\(\)\n@description\([^\n]*\)\nparam setupToken string = newGuid\(\)/);
    expect(main).toContain(
      "output SETUP_TOKEN_COMMAND string = 'az keyvault secret show --vault-name ${keyVault.outputs.name} --name setup-token --query value -o tsv'",
    );
    for (const [, output] of main.matchAll(/^output \w+ [^\n]*$/gm)) expect(output ?? '').not.toContain('setupToken');
    expect(main.match(/^output .*setupToken.*$/gm)).toBeNull();
    const keyVault = await read('infra/modules/keyvault.bicep');
    expect(keyVault).toMatch(/@secure\(\)\n@description\([^\n]*\)\nparam setupToken string/);
    expect(keyVault).toContain(`name: '${secretNames.setupToken.vault}'`);
    expect(keyVault).toContain('value: setupToken');
    // The app reads it with the identity it already has; the deployer reads it as Secrets Officer.
    const rbac = await read('infra/modules/rbac.bicep');
    expect(rbac).toContain('keyVaultSecretsUser');
    expect(rbac).toContain('keyVaultSecretsOfficer');
  });
});

describe('configuration documentation', () => {
  it('lists every setting and secret in the operating guide and local.settings.sample.json', async () => {
    const readme = await read('docs/operating-on-azure.md');
    const sample = JSON.parse(await read('local.settings.sample.json')) as { Values: Record<string, string> };
    const names = [...Object.keys(settingsSchema.shape), ...Object.values(secretNames).map((secret) => secret.env)];
    for (const name of names) {
      expect(readme, name).toContain(`\`${name}\``);
      expect(Object.keys(sample.Values), name).toContain(name);
    }
    for (const secret of Object.values(secretNames)) expect(readme, secret.vault).toContain(secret.vault);
  });
});

describe('secrets in Azure', () => {
  const templates = async () => {
    const modules = await readdir('infra/modules');
    return Promise.all(['main.bicep', ...modules.map((name) => `modules/${name}`)].map(async (file) => ({ file, text: await read(`infra/${file}`) })));
  };

  it('use no account keys, SAS tokens or secret-bearing connection strings in settings or outputs', async () => {
    for (const { file, text } of await templates()) {
      expect(text, file).not.toMatch(
        /listKeys\(|listConnectionStrings\(|listAccountSas\(|listServiceSas\(|AccountKey=|SharedAccessSignature|primaryMasterKey|primaryKey/i,
      );
      // The one connection string passed on is Application Insights', which holds no secret; its
      // ingestion takes Entra tokens only (DisableLocalAuth) and the app sends with its identity.
      for (const [, output] of text.matchAll(/^output (\w+) /gm)) {
        expect(output, file).not.toMatch(/(key|secret|password|sas|token)$/i);
        if (/connectionString/i.test(output!)) expect(output, file).toBe('applicationInsightsConnectionString');
      }
    }
    const monitoring = await read('infra/modules/monitoring.bicep');
    expect(monitoring).toContain('DisableLocalAuth: true');
    const functionApp = await read('infra/modules/functionapp.bicep');
    expect(functionApp).toContain("APPLICATIONINSIGHTS_AUTHENTICATION_STRING: 'Authorization=AAD'");
    expect(functionApp).toContain("AzureWebJobsStorage__credential: 'managedidentity'");
  });

  it('provide every setting the code needs in Azure', async () => {
    const provided = new Set(await appSettingNames());
    // Without these the API cannot find its data, its secrets, its telemetry or its own site.
    for (const name of [
      'COSMOS_ENDPOINT',
      'COSMOS_DATABASE',
      'KEY_VAULT_URI',
      'PUBLIC_ORIGINS',
      'SESSION_COOKIE_NAME',
      'GENERATOR_SCHEDULE',
      'APPLICATIONINSIGHTS_CONNECTION_STRING',
      'APPLICATIONINSIGHTS_AUTHENTICATION_STRING',
    ]) {
      expect(provided.has(name), name).toBe(true);
    }
    // Key-based Cosmos access and local-only settings stay out of Azure.
    for (const name of ['COSMOS_KEY', 'LOCAL_DATA_DIR', 'DEMO_PASSWORD', 'SEED_DEMO_DATA', 'PORT']) expect(provided.has(name), name).toBe(false);
  });

  it('keep continuous backup on, its tier a parameter, as restore and Fabric mirroring need', async () => {
    const main = await read('infra/main.bicep');
    const cosmos = await read('infra/modules/cosmos.bicep');
    expect(main).toMatch(/^@allowed\(\['Continuous7Days', 'Continuous30Days'\]\)\nparam cosmosBackupTier string = 'Continuous30Days'$/m);
    expect(main).toContain('backupTier: cosmosBackupTier');
    expect(cosmos).toContain("backupPolicy: { type: 'Continuous', continuousModeProperties: { tier: backupTier } }");
  });

  it('keep the alert e-mail a parameter azd asks for', async () => {
    const main = await read('infra/main.bicep');
    const parameters = JSON.parse(await read('infra/main.parameters.json')) as { parameters: Record<string, { value: string }> };
    expect(main).toContain('param alertEmailAddress string');
    expect(parameters.parameters.alertEmailAddress?.value).toBe('${ALERT_EMAIL_ADDRESS}');
    expect(main).toContain("module operations 'modules/operations.bicep'");
  });
});

describe('the deploy pipeline', () => {
  it('runs CI on every push and pull request, and deploys main through OpenID Connect with no stored secret', async () => {
    const workflow = await read('.github/workflows/ci-deploy.yml');
    expect(workflow).toMatch(/^on:\n {2}push:\n {2}pull_request:/m);
    expect(workflow).toContain('run: bash .ci/run');
    expect(workflow).toContain("if: github.event_name == 'push' && github.ref == 'refs/heads/main'");
    expect(workflow).toContain('id-token: write');
    expect(workflow).toContain('--federated-credential-provider github');
    expect(workflow).not.toMatch(/secrets\./);
    expect(workflow).not.toMatch(/client-secret|AZURE_CREDENTIALS|password/i);
    for (const step of ['azd provision --no-prompt', 'azd deploy --no-prompt']) expect(workflow).toContain(step);
    const readme = await read('docs/operating-on-azure.md');
    expect(readme).toContain('az ad app federated-credential create');
  });

  it("passes every azd value the parameters read to the deployment, so a push keeps the operator's settings, but no Teams webhook", async () => {
    const workflow = await read('.github/workflows/ci-deploy.yml');
    const deployEnvironment = workflow.slice(workflow.indexOf('  deploy:'));
    const names = [...(await read('infra/main.parameters.json')).matchAll(/\$\{([A-Z_]+)/g)].map(([, name]) => name!);
    // azd itself supplies the deploying principal.
    for (const name of names.filter((name) => !['AZURE_PRINCIPAL_ID', 'TEAMS_WEBHOOKS'].includes(name))) {
      expect(deployEnvironment, name).toContain(`      ${name}: \${{ vars.${name} }}`);
    }
    expect(workflow).not.toContain('TEAMS_WEBHOOKS:');
  });
});

describe('certificate storage', () => {
  it('is a private container under the name the code uses, with versions immutable, soft delete, and a data role for the API alone', async () => {
    const { certificatesContainerName } = await import('../shared/storage/blob-store.js');
    const storage = await read('infra/modules/storage.bicep');
    expect(storage).toContain(`name: '${certificatesContainerName}'`);
    expect(storage).toContain("publicAccess: 'None'");
    expect(storage).toContain('immutableStorageWithVersioning: { enabled: true }');
    expect(storage).toContain('isVersioningEnabled: true');
    expect(storage).toContain('deleteRetentionPolicy: { enabled: true, days: softDeleteDays }');
    expect(storage).toContain('immutabilityPeriodSinceCreationInDays: certificateRetentionDays');
    const rbac = await read('infra/modules/rbac.bicep');
    expect(rbac).toContain("storageBlobDataContributor: 'ba92f5b4-2d11-453d-a403-e96b0029c9fe'");
    expect(rbac).toMatch(
      /resource certificatesContributor [^\n]+\n\s+name: guid\(certificates\.id, principalId, roles\.storageBlobDataContributor\)\n\s+scope: certificates\n/,
    );
    expect(await read('infra/main.bicep')).toContain('BLOB_SERVICE_URL: storage.outputs.blobEndpoint');
  });
});

describe('reminder e-mail in Azure', () => {
  it('is an Email Service with an Azure-managed domain linked to a Communication Service whose endpoint and sender the API is given', async () => {
    const communication = await read('infra/modules/communication.bicep');
    expect(communication).toContain("resource emailService 'Microsoft.Communication/emailServices@");
    expect(communication).toMatch(/domains@[^']+' = \{\n {2}parent: emailService\n {2}name: 'AzureManagedDomain'/);
    expect(communication).toContain("domainManagement: 'AzureManaged'");
    expect(communication).toContain('linkedDomains: [managedDomain.id]');
    expect(communication).toContain("output senderAddress string = 'DoNotReply@${managedDomain.properties.mailFromSenderDomain}'");
    const main = await read('infra/main.bicep');
    expect(main).toContain('COMMUNICATION_SERVICES_ENDPOINT: communication.outputs.endpoint');
    expect(main).toContain('EMAIL_SENDER_ADDRESS: communication.outputs.senderAddress');
    expect(main).toContain('communicationServiceName: communication.outputs.name');
  });
});

describe('queue retries', () => {
  it('back off over minutes, so throttling or a short outage of Cosmos DB does not poison a lab run, and end before records made ahead are due', async () => {
    const { queueRetryPolicy } = await import('../local/queues/queue-runner.js');
    const { maxDequeueCount, retryDelaySeconds } = queueRetryPolicy(await read('host.json'));
    // The extension's visibilityTimeout is a fixed wait between deliveries, so the span is the waits between them.
    const retrySpanSeconds = (maxDequeueCount - 1) * retryDelaySeconds;
    expect(retryDelaySeconds).toBeGreaterThanOrEqual(60);
    expect(retrySpanSeconds).toBeGreaterThanOrEqual(10 * 60);
    expect(retrySpanSeconds).toBeLessThan(settingsSchema.parse({}).GENERATE_AHEAD_HOURS * 3600);
  });
});

describe('operator settings as deployment parameters', () => {
  const parameterValues = async () => {
    const file = JSON.parse(await read('infra/main.parameters.json')) as { parameters: Record<string, { value: string }> };
    return Object.fromEntries(Object.entries(file.parameters).map(([name, { value }]) => [name, value]));
  };
  /** The line of main.bicep's app settings that sets `name`. */
  const settingLine = (main: string, name: string) => new RegExp(`^ {6}${name}: (.+)$`, 'm').exec(main)?.[1];

  // Each setting is the parameter of the azd environment value of the same name (`azd env set NAME value`).
  const operatorSettings = {
    PUBLIC_ORIGINS: 'publicOrigins',
    PM_DUE_WINDOWS: 'pmDueWindows',
    LOGIN_RATE_LIMIT_PER_MINUTE: 'loginRateLimitPerMinute',
    ENTRA_GROUP_MAP: 'entraGroupMap',
  } as const;

  it('are read from azd environment values of the same name and passed to the Function App', async () => {
    const main = await read('infra/main.bicep');
    const values = await parameterValues();
    const known = new Set(Object.keys(settingsSchema.shape));
    for (const [setting, parameter] of Object.entries(operatorSettings)) {
      expect(known.has(setting), setting).toBe(true);
      expect(main, parameter).toMatch(new RegExp(`^param ${parameter} (string|int|object) `, 'm'));
      expect(values[parameter], parameter).toMatch(new RegExp(`^\\$\\{${setting}=(null)?\\}$`));
      expect(settingLine(main, setting), setting).toContain(parameter);
    }
    // Any other setting, and the secrets and choices of the deployment itself.
    expect(values.additionalAppSettings).toBe('${ADDITIONAL_APP_SETTINGS=null}');
    expect(values.teamsWebhooks).toBe('${TEAMS_WEBHOOKS=null}');
    expect(values.staticWebAppLocation).toBe('${AZURE_STATIC_WEB_APP_LOCATION=}');
    expect(values.keyVaultPurgeProtection).toBe('${KEY_VAULT_PURGE_PROTECTION=}');
    // Every parameter the file sets exists in main.bicep.
    for (const parameter of Object.keys(values)) expect(main, parameter).toMatch(new RegExp(`^param ${parameter} `, 'm'));
  });

  it('take JSON as object parameters, so azd parses the value instead of pasting quotes into a string, and fall back to the default when the value is empty', async () => {
    const main = await read('infra/main.bicep');
    const values = await parameterValues();
    const objectParameters = [...main.matchAll(/^param (\w+) object\b/gm)].map(([, name]) => name!);
    expect(objectParameters.length).toBeGreaterThanOrEqual(4);
    // CI passes unset repository variables as empty strings: null leaves the parameter at its default.
    for (const parameter of objectParameters) expect(values[parameter] ?? '', parameter).toMatch(/^\$\{[A-Z_]+=null\}$/);
    for (const setting of ['PM_DUE_WINDOWS', 'ENTRA_GROUP_MAP'] as const) {
      const parameter = operatorSettings[setting];
      expect(main).toMatch(new RegExp(`^param ${parameter} object = \\{\\}$`, 'm'));
      expect(settingLine(main, setting)).toBe(`empty(${parameter}) ? '' : string(${parameter})`);
    }
  });

  it("bound the rate limit as the code does, with the code's default", async () => {
    const main = await read('infra/main.bicep');
    const [, min, max, fallback] = /@minValue\((\d+)\)\n@maxValue\((\d+)\)\n@description\([^\n]*\)\nparam loginRateLimitPerMinute int = (\d+)/.exec(main) ?? [];
    const accepts = (value: number) => settingsSchema.shape.LOGIN_RATE_LIMIT_PER_MINUTE.safeParse(String(value)).success;
    expect([accepts(Number(min)), accepts(Number(max)), accepts(Number(min) - 1), accepts(Number(max) + 1)]).toEqual([true, true, false, false]);
    expect(Number(fallback)).toBe(settingsSchema.parse({}).LOGIN_RATE_LIMIT_PER_MINUTE);
  });

  it("write out the code's own defaults, which additional settings may change, and let neither change what the deployment derives", async () => {
    const main = await read('infra/main.bicep');
    const defaults = settingsSchema.parse({}) as Record<string, unknown>;
    const written = [
      ...main
        .slice(main.indexOf('var settingDefaults = {'))
        .split('\n}')[0]!
        .matchAll(/^ {2}(\w+): '([^']*)'$/gm),
    ];
    expect(written.length).toBeGreaterThan(3);
    for (const [, name, value] of written) expect(value, name).toBe(String(defaults[name!]));
    // union(): a later object wins, so derived settings (endpoints, the vault) beat additional ones.
    expect(main).toContain('appSettings: union(settingDefaults, additionalAppSettings, {');
  });

  it('keep a custom domain first in PUBLIC_ORIGINS and the azurestaticapps.net address after it', async () => {
    const main = await read('infra/main.bicep');
    expect(settingLine(main, 'PUBLIC_ORIGINS')).toBe(
      "empty(publicOrigins) ? 'https://${web.outputs.defaultHostname}' : '${publicOrigins},https://${web.outputs.defaultHostname}'",
    );
  });

  it('keep Teams webhooks in Key Vault under the names the API reads, never in app settings or outputs', async () => {
    const { teamsWebhookSecret } = await import('../shared/notifications/channels.js');
    const main = await read('infra/main.bicep');
    const keyVault = await read('infra/modules/keyvault.bicep');
    expect(main).toMatch(/@secure\(\)\n@description\([^\n]*\)\nparam teamsWebhooks object = \{\}/);
    expect(keyVault).toMatch(/@secure\(\)\n@description\([^\n]*\)\nparam teamsWebhooks object\n/);
    expect(main).toContain('teamsWebhooks: teamsWebhooks');
    expect(keyVault).toContain("resource teamsWebhookSecrets 'Microsoft.KeyVault/vaults/secrets@2023-07-01' = [for webhook in items(teamsWebhooks): {");
    const [, nameTemplate] = /name: '(teams-webhook-\$\{toLower\(webhook\.key\)\})'/.exec(keyVault) ?? [];
    for (const labId of ['LAB01', 'QC-2']) expect(nameTemplate?.replace('${toLower(webhook.key)}', labId.toLowerCase())).toBe(teamsWebhookSecret(labId).vault);
    expect(keyVault).toContain('value: webhook.value');
    // With KEY_VAULT_URI set the API reads the vault, not TEAMS_WEBHOOK_<LAB>: such a setting would do nothing.
    expect((await appSettingNames()).filter((name) => name.startsWith('TEAMS_WEBHOOK'))).toEqual([]);
    for (const text of [main, keyVault]) expect(text.match(/^output .*[Ww]ebhook.*$/gm)).toBeNull();
  });
});

describe('deploys that work', () => {
  const staticWebAppRegions = ['westus2', 'centralus', 'eastus2', 'westeurope', 'eastasia'];

  it('put the Static Web App in one of the five regions it exists in, whatever AZURE_LOCATION is', async () => {
    const main = await read('infra/main.bicep');
    const [, allowed] = /@allowed\(\[([^\]]*)\]\)\nparam staticWebAppLocation string = ''/.exec(main) ?? [];
    expect(allowed?.split(',').map((region) => region.trim().replace(/'/g, ''))).toEqual(['', ...staticWebAppRegions]);
    expect(main).toContain(`var staticWebAppRegions = [${staticWebAppRegions.map((region) => `'${region}'`).join(', ')}]`);
    const web = main.slice(main.indexOf("module web 'modules/staticwebapp.bicep'")).split('\n}')[0]!;
    expect(web).toContain('location: staticWebAppRegion');
    expect(web).not.toContain('location: location');
    expect(main).toContain('var staticWebAppRegion = empty(staticWebAppLocation) ? nearestStaticWebAppRegion : staticWebAppLocation');
    // The nearest region: AZURE_LOCATION itself where Static Web Apps exists, else a mapped one, else eastus2.
    const near = Object.fromEntries(
      [...main.matchAll(/^var regionsNear(\w+) = \[([^\]]*)\]$/gm)].map(([, target, list]) => [
        target!.toLowerCase(),
        list!.split(',').map((region) => region.trim().replace(/'/g, '')),
      ]),
    );
    expect(Object.keys(near).sort()).toEqual(['eastasia', 'westeurope', 'westus2']);
    const all = Object.values(near).flat();
    expect(new Set(all).size).toBe(all.length);
    for (const region of all) expect(staticWebAppRegions, region).not.toContain(region);
    expect(main).toContain(
      "contains(staticWebAppRegions, location) ? location : (contains(regionsNearWestEurope, location) ? 'westeurope' : (contains(regionsNearEastAsia, location) ? 'eastasia' : (contains(regionsNearWestUs2, location) ? 'westus2' : 'eastus2')))",
    );
  });

  it('leave Key Vault purge protection off unless the operator turns it on, so azd down --purge then azd up with the same name works', async () => {
    const main = await read('infra/main.bicep');
    const keyVault = await read('infra/modules/keyvault.bicep');
    expect(main).toMatch(/^param keyVaultPurgeProtection bool = false$/m);
    expect(main).toContain('purgeProtection: keyVaultPurgeProtection');
    // The API refuses an explicit false, so off means left out.
    expect(keyVault).toContain('enablePurgeProtection: purgeProtection ? true : null');
    expect(keyVault).toContain('enableSoftDelete: true');
    const readme = await read('docs/operating-on-azure.md');
    for (const text of ['azd down --purge', 'azd env set KEY_VAULT_PURGE_PROTECTION true', 'az keyvault recover']) expect(readme).toContain(text);
  });

  it('documents in the operating guide how to set every azd environment value the parameters read', async () => {
    const readme = await read('docs/operating-on-azure.md');
    const names = [...(await read('infra/main.parameters.json')).matchAll(/\$\{([A-Z_]+)/g)].map(([, name]) => name!);
    for (const name of names.filter((name) => !['AZURE_ENV_NAME', 'AZURE_PRINCIPAL_ID'].includes(name))) expect(readme, name).toContain(`azd env set ${name} `);
  });
});
