param location string
param tags object
param accountName string
param databaseName string
@description('Continuous backup tier: point-in-time restore and Fabric mirroring both need continuous backup.')
@allowed(['Continuous7Days', 'Continuous30Days'])
param backupTier string = 'Continuous30Days'

// The same containers, partition keys, TTL settings and composite indexes as shared/data/containers.ts
// (a test keeps them equal). Every path is indexed, as by default; the composite indexes serve the
// ORDER BY on several properties that the record lists and the audit trail sort by.
var containers = [
  {
    name: 'labs'
    partitionKey: '/labId'
    defaultTtl: null
    compositeIndexes: [
      [
        { path: '/at', order: 'descending' }
        { path: '/labId', order: 'descending' }
        { path: '/seq', order: 'descending' }
      ]
    ]
  }
  {
    name: 'users'
    partitionKey: '/username'
    defaultTtl: -1
    compositeIndexes: [
      [
        { path: '/at', order: 'descending' }
        { path: '/username', order: 'descending' }
        { path: '/seq', order: 'descending' }
      ]
    ]
  }
  { name: 'attempt-counters', partitionKey: '/id', defaultTtl: -1, compositeIndexes: [] }
  {
    name: 'equipment-classes'
    partitionKey: '/key'
    defaultTtl: null
    compositeIndexes: [
      [
        { path: '/at', order: 'descending' }
        { path: '/key', order: 'descending' }
        { path: '/seq', order: 'descending' }
      ]
    ]
  }
  {
    name: 'models'
    partitionKey: '/modelKey'
    defaultTtl: null
    compositeIndexes: [
      [
        { path: '/at', order: 'descending' }
        { path: '/modelKey', order: 'descending' }
        { path: '/seq', order: 'descending' }
      ]
    ]
  }
  {
    name: 'equipment'
    partitionKey: '/labId'
    defaultTtl: null
    compositeIndexes: [
      [
        { path: '/at', order: 'descending' }
        { path: '/labId', order: 'descending' }
        { path: '/seq', order: 'descending' }
      ]
    ]
  }
  { name: 'serial-numbers', partitionKey: '/serialKey', defaultTtl: null, compositeIndexes: [] }
  {
    name: 'records'
    partitionKey: '/labId'
    defaultTtl: null
    compositeIndexes: [
      [
        { path: '/periodStart', order: 'descending' }
        { path: '/recordNumber', order: 'descending' }
      ]
      [
        { path: '/dueEnd', order: 'ascending' }
        { path: '/recordNumber', order: 'ascending' }
      ]
      [
        { path: '/at', order: 'descending' }
        { path: '/labId', order: 'descending' }
        { path: '/seq', order: 'descending' }
      ]
    ]
  }
  {
    name: 'calibration-providers'
    partitionKey: '/providerId'
    defaultTtl: null
    compositeIndexes: [
      [
        { path: '/at', order: 'descending' }
        { path: '/providerId', order: 'descending' }
        { path: '/seq', order: 'descending' }
      ]
    ]
  }
  {
    name: 'api-keys'
    partitionKey: '/keyId'
    defaultTtl: null
    compositeIndexes: [
      [
        { path: '/at', order: 'descending' }
        { path: '/keyId', order: 'descending' }
        { path: '/seq', order: 'descending' }
      ]
    ]
  }
  {
    name: 'webhooks'
    partitionKey: '/subscriptionId'
    defaultTtl: null
    compositeIndexes: [
      [
        { path: '/at', order: 'descending' }
        { path: '/subscriptionId', order: 'descending' }
        { path: '/seq', order: 'descending' }
      ]
      [
        { path: '/createdAt', order: 'descending' }
        { path: '/id', order: 'descending' }
      ]
    ]
  }
]

resource account 'Microsoft.DocumentDB/databaseAccounts@2024-11-15' = {
  name: accountName
  location: location
  tags: tags
  kind: 'GlobalDocumentDB'
  properties: {
    databaseAccountOfferType: 'Standard'
    locations: [{ locationName: location, failoverPriority: 0, isZoneRedundant: false }]
    consistencyPolicy: { defaultConsistencyLevel: 'Session' }
    capabilities: [{ name: 'EnableServerless' }]
    // Only Entra identities with data-plane roles may read or write: no keys.
    disableLocalAuth: true
    minimalTlsVersion: 'Tls12'
    backupPolicy: { type: 'Continuous', continuousModeProperties: { tier: backupTier } }
  }
}

resource database 'Microsoft.DocumentDB/databaseAccounts/sqlDatabases@2024-11-15' = {
  parent: account
  name: databaseName
  properties: { resource: { id: databaseName } }
}

resource sqlContainers 'Microsoft.DocumentDB/databaseAccounts/sqlDatabases/containers@2024-11-15' = [
  for container in containers: {
    parent: database
    name: container.name
    properties: {
      resource: union(
        {
          id: container.name
          partitionKey: { paths: [container.partitionKey], kind: 'Hash', version: 2 }
        },
        container.defaultTtl == null ? {} : { defaultTtl: container.defaultTtl },
        empty(container.compositeIndexes)
          ? {}
          : {
              indexingPolicy: {
                indexingMode: 'consistent'
                automatic: true
                includedPaths: [{ path: '/*' }]
                compositeIndexes: container.compositeIndexes
              }
            }
      )
    }
  }
]

output accountName string = account.name
output endpoint string = account.properties.documentEndpoint
output databaseName string = database.name
