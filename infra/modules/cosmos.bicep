param location string
param tags object
param accountName string
param databaseName string

// The same containers, partition keys and TTL settings as shared/data/containers.ts (a test keeps them equal).
var containers = [
  { name: 'labs', partitionKey: '/labId', defaultTtl: null }
  { name: 'users', partitionKey: '/username', defaultTtl: -1 }
  { name: 'attempt-counters', partitionKey: '/id', defaultTtl: -1 }
  { name: 'equipment-classes', partitionKey: '/key', defaultTtl: null }
  { name: 'models', partitionKey: '/modelKey', defaultTtl: null }
  { name: 'equipment', partitionKey: '/labId', defaultTtl: null }
  { name: 'serial-numbers', partitionKey: '/serialKey', defaultTtl: null }
  { name: 'records', partitionKey: '/labId', defaultTtl: null }
  { name: 'calibration-providers', partitionKey: '/providerId', defaultTtl: null }
]

// Every path indexed, as by default, plus the composite indexes the record lists sort by
// (compositeIndexes of records in shared/data/containers.ts; a test keeps them equal).
var recordsIndexingPolicy = {
  indexingMode: 'consistent'
  automatic: true
  includedPaths: [
    { path: '/*' }
  ]
  compositeIndexes: [
    [
      { path: '/periodStart', order: 'descending' }
      { path: '/recordNumber', order: 'descending' }
    ]
    [
      { path: '/dueEnd', order: 'ascending' }
      { path: '/recordNumber', order: 'ascending' }
    ]
  ]
}

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
    backupPolicy: { type: 'Continuous', continuousModeProperties: { tier: 'Continuous30Days' } }
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
        container.name == 'records' ? { indexingPolicy: recordsIndexingPolicy } : {}
      )
    }
  }
]

output accountName string = account.name
output endpoint string = account.properties.documentEndpoint
output databaseName string = database.name
