targetScope = 'subscription'

@minLength(1)
@maxLength(64)
@description('Name of the environment (azd env name); used in every resource name.')
param environmentName string

@minLength(1)
@description('Azure region for every resource.')
param location string

@description('Principal id of the person deploying, given Key Vault Secrets Officer to set the secrets once.')
param deployerPrincipalId string = ''

@description('Entra tenant for Microsoft sign-in; empty disables Microsoft sign-in.')
param entraTenantId string = ''

@description('Application (client) id of the Entra app registration used for sign-in.')
param entraClientId string = ''

@description('Entra security group ids to {role, labId}, see README (ENTRA_GROUP_MAP).')
param entraGroupMap object = {}

@secure()
@description('One-time token of the first-run setup (SPEC §12), kept as the Key Vault secret setup-token. Each deployment writes a new one; once the installation is set up no token opens setup again.')
param setupToken string = newGuid()

@description('E-mail address that receives the operations alerts (README: Alerts).')
param alertEmailAddress string

@description('Where Azure Communication Services keeps reminder e-mail data at rest (e.g. United States, Europe).')
param communicationDataLocation string = 'United States'

@description('Lockouts in 15 minutes above which the lockout alert fires.')
param lockoutAlertThreshold int = 5

@description('Region of the Static Web App, which exists in these five regions only; empty: the one nearest to location.')
@allowed(['', 'westus2', 'centralus', 'eastus2', 'westeurope', 'eastasia'])
param staticWebAppLocation string = ''

@description('Continuous backup of the Cosmos DB account, which point-in-time restore and Microsoft Fabric mirroring need: Continuous7Days is free, Continuous30Days (the default, as the restore drill assumes) keeps a month (docs/integrations.md).')
@allowed(['Continuous7Days', 'Continuous30Days'])
param cosmosBackupTier string = 'Continuous30Days'

@description('Purge protection on the Key Vault (README: Taking an installation down). Off, azd down --purge frees the vault name at once; on, it is held 90 days. Irreversible once on.')
param keyVaultPurgeProtection bool = false

// Operator settings (README: Settings that survive a deployment). CI provisions on every push and
// writes the whole app-settings set, so a setting changed in the portal is gone by the next push.

@description('PUBLIC_ORIGINS: the site\'s own origins besides its azurestaticapps.net address, comma-separated, e.g. https://pm.contoso.com for a custom domain. The first is the one links, labels and Microsoft sign-in use.')
param publicOrigins string = ''

@description('PM_DUE_WINDOWS: days from the start of a period in which its record is due, e.g. {"Weekly": 3, "Monthly": 10}; empty: the whole period.')
param pmDueWindows object = {}

@minValue(1)
@maxValue(10000)
@description('LOGIN_RATE_LIMIT_PER_MINUTE: sign-in and password attempts per account per minute (five times that per client address).')
param loginRateLimitPerMinute int = 10

@secure()
@description('Teams webhook address per lab id, e.g. {"LAB01": "https://..."}, kept as the Key Vault secret teams-webhook-<lab id in lower case>. A lab left out keeps the secret it has.')
param teamsWebhooks object = {}

@description('Any other setting of README\'s Configuration table as strings, e.g. {"SESSION_IDLE_MINUTES": "10"}. The settings above and those of the deployed resources take precedence.')
param additionalAppSettings object = {}

var resourceToken = toLower(uniqueString(subscription().id, environmentName, location))
var tags = { 'azd-env-name': environmentName, product: 'equipmansys' }

// Static Web Apps exists in five regions only: unless one is chosen, the one nearest to the rest.
var staticWebAppRegions = ['westus2', 'centralus', 'eastus2', 'westeurope', 'eastasia']
var regionsNearWestEurope = ['northeurope', 'uksouth', 'ukwest', 'francecentral', 'francesouth', 'germanywestcentral', 'germanynorth', 'switzerlandnorth', 'switzerlandwest', 'norwayeast', 'norwaywest', 'swedencentral', 'swedensouth', 'polandcentral', 'italynorth', 'spaincentral', 'austriaeast', 'belgiumcentral', 'denmarkeast', 'finlandcentral', 'greececentral', 'israelcentral', 'qatarcentral', 'uaenorth', 'uaecentral', 'southafricanorth', 'southafricawest']
var regionsNearEastAsia = ['southeastasia', 'japaneast', 'japanwest', 'koreacentral', 'koreasouth', 'centralindia', 'southindia', 'westindia', 'jioindiawest', 'jioindiacentral', 'australiaeast', 'australiasoutheast', 'australiacentral', 'australiacentral2', 'newzealandnorth', 'indonesiacentral', 'malaysiawest', 'taiwannorth']
var regionsNearWestUs2 = ['westus', 'westus3', 'westcentralus', 'canadacentral', 'canadaeast']
var nearestStaticWebAppRegion = contains(staticWebAppRegions, location) ? location : (contains(regionsNearWestEurope, location) ? 'westeurope' : (contains(regionsNearEastAsia, location) ? 'eastasia' : (contains(regionsNearWestUs2, location) ? 'westus2' : 'eastus2')))
var staticWebAppRegion = empty(staticWebAppLocation) ? nearestStaticWebAppRegion : staticWebAppLocation

// The code's own defaults, written out so the portal shows them; additionalAppSettings may change them.
var settingDefaults = {
  SESSION_COOKIE_NAME: 'ems_session'
  GENERATOR_SCHEDULE: '0 * * * * *'
  NOTIFICATION_SCHEDULE: '0 */15 * * * *'
  DIGEST_LOCAL_HOUR: '6'
  BACKFILL_DAYS: '31'
  LATE_COMPLETION_DAYS: '7'
}

resource resourceGroup 'Microsoft.Resources/resourceGroups@2024-03-01' = {
  name: 'rg-${environmentName}'
  location: location
  tags: tags
}

module monitoring 'modules/monitoring.bicep' = {
  name: 'monitoring'
  scope: resourceGroup
  params: {
    location: location
    tags: tags
    workspaceName: 'log-${resourceToken}'
    applicationInsightsName: 'appi-${resourceToken}'
  }
}

module operations 'modules/operations.bicep' = {
  name: 'operations'
  scope: resourceGroup
  params: {
    location: location
    tags: tags
    applicationInsightsId: monitoring.outputs.applicationInsightsId
    workbookName: 'equipmansys-${environmentName}'
    actionGroupName: 'ag-${resourceToken}'
    alertEmailAddress: alertEmailAddress
    lockoutAlertThreshold: lockoutAlertThreshold
  }
}

module storage 'modules/storage.bicep' = {
  name: 'storage'
  scope: resourceGroup
  params: {
    location: location
    tags: tags
    name: 'st${resourceToken}'
    deploymentContainerName: 'app-package-api'
  }
}

module cosmos 'modules/cosmos.bicep' = {
  name: 'cosmos'
  scope: resourceGroup
  params: {
    location: location
    tags: tags
    accountName: 'cosmos-${resourceToken}'
    databaseName: 'equipmansys'
    backupTier: cosmosBackupTier
  }
}

module keyVault 'modules/keyvault.bicep' = {
  name: 'keyvault'
  scope: resourceGroup
  params: {
    location: location
    tags: tags
    name: 'kv-${resourceToken}'
    setupToken: setupToken
    purgeProtection: keyVaultPurgeProtection
    teamsWebhooks: teamsWebhooks
  }
}

module web 'modules/staticwebapp.bicep' = {
  name: 'web'
  scope: resourceGroup
  params: {
    location: staticWebAppRegion
    tags: union(tags, { 'azd-service-name': 'web' })
    name: 'stapp-${resourceToken}'
  }
}

module communication 'modules/communication.bicep' = {
  name: 'communication'
  scope: resourceGroup
  params: {
    name: resourceToken
    tags: tags
    dataLocation: communicationDataLocation
  }
}

module api 'modules/functionapp.bicep' = {
  name: 'api'
  scope: resourceGroup
  params: {
    location: location
    tags: union(tags, { 'azd-service-name': 'api' })
    planName: 'plan-${resourceToken}'
    appName: 'func-${resourceToken}'
    storageAccountName: storage.outputs.name
    deploymentContainerUrl: storage.outputs.deploymentContainerUrl
    applicationInsightsConnectionString: monitoring.outputs.applicationInsightsConnectionString
    appSettings: union(settingDefaults, additionalAppSettings, {
      COSMOS_ENDPOINT: cosmos.outputs.endpoint
      COSMOS_DATABASE: cosmos.outputs.databaseName
      KEY_VAULT_URI: keyVault.outputs.uri
      BLOB_SERVICE_URL: storage.outputs.blobEndpoint
      COMMUNICATION_SERVICES_ENDPOINT: communication.outputs.endpoint
      EMAIL_SENDER_ADDRESS: communication.outputs.senderAddress
      // A custom domain comes first; the azurestaticapps.net address keeps working.
      PUBLIC_ORIGINS: empty(publicOrigins) ? 'https://${web.outputs.defaultHostname}' : '${publicOrigins},https://${web.outputs.defaultHostname}'
      ENTRA_TENANT_ID: entraTenantId
      ENTRA_CLIENT_ID: entraClientId
      ENTRA_GROUP_MAP: empty(entraGroupMap) ? '' : string(entraGroupMap)
      PM_DUE_WINDOWS: empty(pmDueWindows) ? '' : string(pmDueWindows)
      LOGIN_RATE_LIMIT_PER_MINUTE: string(loginRateLimitPerMinute)
    })
  }
}

module backendLink 'modules/linked-backend.bicep' = {
  name: 'linked-backend'
  scope: resourceGroup
  params: {
    location: location
    staticWebAppName: web.outputs.name
    functionAppId: api.outputs.id
  }
}

module rbac 'modules/rbac.bicep' = {
  name: 'rbac'
  scope: resourceGroup
  params: {
    principalId: api.outputs.principalId
    deployerPrincipalId: deployerPrincipalId
    storageAccountName: storage.outputs.name
    certificatesContainerName: storage.outputs.certificatesContainerName
    keyVaultName: keyVault.outputs.name
    cosmosAccountName: cosmos.outputs.accountName
    applicationInsightsName: monitoring.outputs.applicationInsightsName
    communicationServiceName: communication.outputs.name
  }
}

output AZURE_LOCATION string = location
output AZURE_RESOURCE_GROUP string = resourceGroup.name
output API_NAME string = api.outputs.name
output WEB_URL string = 'https://${web.outputs.defaultHostname}'
output STATIC_WEB_APP_LOCATION string = staticWebAppRegion
output KEY_VAULT_NAME string = keyVault.outputs.name
@description('Prints the first-run setup token; the deployer may read it (Key Vault Secrets Officer).')
output SETUP_TOKEN_COMMAND string = 'az keyvault secret show --vault-name ${keyVault.outputs.name} --name setup-token --query value -o tsv'
output COSMOS_ENDPOINT string = cosmos.outputs.endpoint
