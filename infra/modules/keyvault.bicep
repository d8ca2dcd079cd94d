param location string
param tags object
param name string

@secure()
@description('The first-run setup token; the Function App reads it with its identity (Key Vault Secrets User).')
param setupToken string

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
    enablePurgeProtection: true
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

output name string = vault.name
output uri string = vault.properties.vaultUri
