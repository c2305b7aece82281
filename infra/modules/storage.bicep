// The storage account behind grain state, reminders, membership (tables) and streams (queues). Shared key access is
// off, so only Microsoft Entra ID principals with a data role reach it.
param location string
param tags object
param token string

@description('The principal id of the identity that the apps run as.')
param principalId string

resource account 'Microsoft.Storage/storageAccounts@2023-05-01' = {
  name: 'stsendora${token}'
  location: location
  tags: tags
  kind: 'StorageV2'
  sku: { name: 'Standard_LRS' }
  properties: {
    allowSharedKeyAccess: false
    allowBlobPublicAccess: false
    minimumTlsVersion: 'TLS1_2'
    supportsHttpsTrafficOnly: true
  }
}

// Built-in roles. Orleans clustering, reminders and grain storage create their tables and read and write entities,
// and queue streams create queues and send, peek and delete messages: the two data contributor roles cover both.
var roles = {
  tableDataContributor: '0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3'
  queueDataContributor: '974c5e8b-45b9-4653-ba55-5f855dd0fb88'
}

resource assignments 'Microsoft.Authorization/roleAssignments@2022-04-01' = [for role in items(roles): {
  name: guid(account.id, principalId, role.value)
  scope: account
  properties: {
    principalId: principalId
    principalType: 'ServicePrincipal'
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', role.value)
  }
}]

output tableEndpoint string = account.properties.primaryEndpoints.table
output queueEndpoint string = account.properties.primaryEndpoints.queue
