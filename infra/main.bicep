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

@description('JSON map of Entra security group ids to {role, labId}, see README.')
param entraGroupMap string = ''

@secure()
@description('One-time token of the first-run setup (SPEC §12), kept as the Key Vault secret setup-token. Each deployment writes a new one; once the installation is set up no token opens setup again.')
param setupToken string = newGuid()

@description('E-mail address that receives the operations alerts (README: Alerts).')
param alertEmailAddress string

@description('Where Azure Communication Services keeps reminder e-mail data at rest (e.g. United States, Europe).')
param communicationDataLocation string = 'United States'

@description('Lockouts in 15 minutes above which the lockout alert fires.')
param lockoutAlertThreshold int = 5

var resourceToken = toLower(uniqueString(subscription().id, environmentName, location))
var tags = { 'azd-env-name': environmentName, product: 'equipmansys' }

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
  }
}

module web 'modules/staticwebapp.bicep' = {
  name: 'web'
  scope: resourceGroup
  params: {
    location: location
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
    appSettings: {
      COSMOS_ENDPOINT: cosmos.outputs.endpoint
      COSMOS_DATABASE: cosmos.outputs.databaseName
      KEY_VAULT_URI: keyVault.outputs.uri
      BLOB_SERVICE_URL: storage.outputs.blobEndpoint
      PUBLIC_ORIGINS: 'https://${web.outputs.defaultHostname}'
      SESSION_COOKIE_NAME: 'ems_session'
      ENTRA_TENANT_ID: entraTenantId
      ENTRA_CLIENT_ID: entraClientId
      ENTRA_GROUP_MAP: entraGroupMap
      GENERATOR_SCHEDULE: '0 * * * * *'
      COMMUNICATION_SERVICES_ENDPOINT: communication.outputs.endpoint
      EMAIL_SENDER_ADDRESS: communication.outputs.senderAddress
      NOTIFICATION_SCHEDULE: '0 */15 * * * *'
      DIGEST_LOCAL_HOUR: '6'
      BACKFILL_DAYS: '31'
      LATE_COMPLETION_DAYS: '7'
    }
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
output KEY_VAULT_NAME string = keyVault.outputs.name
@description('Prints the first-run setup token; the deployer may read it (Key Vault Secrets Officer).')
output SETUP_TOKEN_COMMAND string = 'az keyvault secret show --vault-name ${keyVault.outputs.name} --name setup-token --query value -o tsv'
output COSMOS_ENDPOINT string = cosmos.outputs.endpoint
