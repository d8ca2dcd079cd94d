// E-mail for reminders (SPEC §11): an Email Service with an Azure-managed domain, linked to a
// Communication Service that the Function App reaches with its managed identity. No key or
// connection string leaves Azure; the role that lets the Function App send is given in rbac.bicep.

@description('Base of the resource names.')
param name string
param tags object
@description('Where Communication Services keeps its data at rest.')
param dataLocation string = 'United States'

resource emailService 'Microsoft.Communication/emailServices@2023-04-01' = {
  name: 'email-${name}'
  location: 'global'
  tags: tags
  properties: {
    dataLocation: dataLocation
  }
}

// An Azure-managed domain (…azurecomm.net) works without DNS; a custom domain can replace it later.
resource managedDomain 'Microsoft.Communication/emailServices/domains@2023-04-01' = {
  parent: emailService
  name: 'AzureManagedDomain'
  location: 'global'
  tags: tags
  properties: {
    domainManagement: 'AzureManaged'
    userEngagementTracking: 'Disabled'
  }
}

resource communicationService 'Microsoft.Communication/communicationServices@2023-04-01' = {
  name: 'acs-${name}'
  location: 'global'
  tags: tags
  properties: {
    dataLocation: dataLocation
    linkedDomains: [managedDomain.id]
  }
}

output endpoint string = 'https://${communicationService.properties.hostName}'
output senderAddress string = 'DoNotReply@${managedDomain.properties.mailFromSenderDomain}'
output name string = communicationService.name
