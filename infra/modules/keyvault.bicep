param location string
param tags object
param name string

@secure()
@description('The first-run setup token; the Function App reads it with its identity (Key Vault Secrets User).')
param setupToken string

@description('Purge protection: a deleted vault and its secrets cannot be purged for 90 days, and its name cannot be reused meanwhile. Irreversible once on.')
param purgeProtection bool

@secure()
@description('Teams webhook address per lab id, e.g. {"LAB01": "https://..."}; each becomes the secret the API reads for that lab.')
param teamsWebhooks object

resource vault 'Microsoft.KeyVault/vaults@2023-07-01' = {
  name: name
  location: location
  tags: tags
  properties: {
    tenantId: subscription().tenantId
    sku: { family: 'A', name: 'standard' }
    enableRbacAuthorization: true
    enableSoftDelete: true
    softDeleteRetentionInDays: 90
    // The API refuses an explicit false (purge protection cannot be turned off): true, or left out.
    enablePurgeProtection: purgeProtection ? true : null
    publicNetworkAccess: 'Enabled'
  }
}

resource setupTokenSecret 'Microsoft.KeyVault/vaults/secrets@2023-07-01' = {
  parent: vault
  name: 'setup-token'
  properties: {
    value: setupToken
    contentType: 'One-time token of the first-run setup'
  }
}

// Named as shared/notifications/channels.ts teamsWebhookSecret() reads them. A lab left out of the
// parameter keeps the secret it has: a deployment never deletes one.
resource teamsWebhookSecrets 'Microsoft.KeyVault/vaults/secrets@2023-07-01' = [for webhook in items(teamsWebhooks): {
  parent: vault
  name: 'teams-webhook-${toLower(webhook.key)}'
  properties: {
    value: webhook.value
    contentType: 'Teams webhook of lab ${webhook.key}'
  }
}]

output name string = vault.name
output uri string = vault.properties.vaultUri
