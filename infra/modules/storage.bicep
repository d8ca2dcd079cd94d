param location string
param tags object
param name string
@description('Blob container that holds the Flex Consumption deployment package.')
param deploymentContainerName string
@description('Days a calibration certificate version stays immutable after upload (ISO/IEC 17025 record retention; 7 years by default).')
param certificateRetentionDays int = 2557
@description('Days a deleted blob or container can still be restored.')
param softDeleteDays int = 30

resource storage 'Microsoft.Storage/storageAccounts@2023-05-01' = {
  name: name
  location: location
  tags: tags
  kind: 'StorageV2'
  sku: { name: 'Standard_LRS' }
  properties: {
    allowBlobPublicAccess: false
    allowSharedKeyAccess: false
    minimumTlsVersion: 'TLS1_2'
    supportsHttpsTrafficOnly: true
  }
}

// Versioning and soft delete: an upload never replaces what was there, and a deletion can be undone.
resource blobService 'Microsoft.Storage/storageAccounts/blobServices@2023-05-01' = {
  parent: storage
  name: 'default'
  properties: {
    isVersioningEnabled: true
    deleteRetentionPolicy: { enabled: true, days: softDeleteDays }
    containerDeleteRetentionPolicy: { enabled: true, days: softDeleteDays }
  }
}

resource deploymentContainer 'Microsoft.Storage/storageAccounts/blobServices/containers@2023-05-01' = {
  parent: blobService
  name: deploymentContainerName
}

// Calibration certificates (shared/storage/blob-store.ts): private, every version immutable for the
// retention period; the API streams them to readers of the lab, never a public or SAS link.
resource certificatesContainer 'Microsoft.Storage/storageAccounts/blobServices/containers@2023-05-01' = {
  parent: blobService
  name: 'certificates'
  properties: {
    publicAccess: 'None'
    immutableStorageWithVersioning: { enabled: true }
  }
}

resource certificatesRetention 'Microsoft.Storage/storageAccounts/blobServices/containers/immutabilityPolicies@2023-05-01' = {
  parent: certificatesContainer
  name: 'default'
  properties: {
    immutabilityPeriodSinceCreationInDays: certificateRetentionDays
    allowProtectedAppendWrites: false
  }
}

resource queueService 'Microsoft.Storage/storageAccounts/queueServices@2023-05-01' = {
  parent: storage
  name: 'default'
}

// The record generator's fan-out (one message per lab) and where the Functions host moves a message
// after its last failed delivery; the same names as shared/records/generator-runs.ts.
resource generatorQueues 'Microsoft.Storage/storageAccounts/queueServices/queues@2023-05-01' = [
  for queueName in ['generate-lab', 'generate-lab-poison']: {
    parent: queueService
    name: queueName
  }
]

output name string = storage.name
output deploymentContainerUrl string = '${storage.properties.primaryEndpoints.blob}${deploymentContainerName}'
output blobEndpoint string = storage.properties.primaryEndpoints.blob
output certificatesContainerName string = certificatesContainer.name
