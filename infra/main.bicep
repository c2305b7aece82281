// Sendora on Azure Container Apps: a silo app and a gateway app that share one storage account for grain state,
// reminders, cluster membership and streams. Both reach storage and the registry as one user-assigned managed
// identity, so no account key or registry password appears in configuration.
targetScope = 'subscription'

@minLength(1)
@maxLength(64)
@description('The azd environment name, used in resource names and the azd-env-name tag.')
param environmentName string

@minLength(1)
@description('The Azure region of every resource.')
param location string

@secure()
@minLength(16)
@description('The admin API bearer token, stored as a Container Apps secret. Set with azd env set SENDORA_ADMIN_TOKEN.')
param adminToken string

@description('Whether azd has deployed the silo app before, so provisioning keeps its current image.')
param siloExists bool = false

@description('Whether azd has deployed the gateway app before, so provisioning keeps its current image.')
param gatewayExists bool = false

var tags = { 'azd-env-name': environmentName }
var token = toLower(uniqueString(subscription().id, environmentName, location))

resource group 'Microsoft.Resources/resourceGroups@2024-03-01' = {
  name: 'rg-${environmentName}'
  location: location
  tags: tags
}

module platform 'modules/platform.bicep' = {
  name: 'platform'
  scope: group
  params: {
    location: location
    tags: tags
    token: token
  }
}

module storage 'modules/storage.bicep' = {
  name: 'storage'
  scope: group
  params: {
    location: location
    tags: tags
    token: token
    principalId: platform.outputs.identityPrincipalId
  }
}

// The settings that silos and gateways read from the Sendora section, as environment variables.
var clusterSettings = [
  { name: 'Sendora__Storage', value: 'AzureStorage' }
  { name: 'Sendora__AzureStorage__TableServiceUri', value: storage.outputs.tableEndpoint }
  { name: 'Sendora__AzureStorage__QueueServiceUri', value: storage.outputs.queueEndpoint }
  { name: 'Sendora__AzureStorage__ManagedIdentityClientId', value: platform.outputs.identityClientId }
  { name: 'Sendora__Cluster__ClusterId', value: 'sendora-${environmentName}' }
  { name: 'Sendora__Cluster__ServiceId', value: 'sendora' }
]

// NOTE: silos and the gateway reach each other replica to replica on ports 11111 and 30000 inside the environment,
// at the addresses the membership table lists. No deployment has checked that the environment's network allows it.
module silo 'modules/container-app.bicep' = {
  name: 'silo'
  scope: group
  params: {
    name: 'ca-silo-${token}'
    serviceName: 'silo'
    location: location
    tags: tags
    environmentId: platform.outputs.environmentId
    registryServer: platform.outputs.registryLoginServer
    identityId: platform.outputs.identityId
    exists: siloExists
    minReplicas: 1
    env: concat(clusterSettings, [
      // Empty: each replica advertises its own address, which is known only once it starts.
      { name: 'Sendora__Cluster__AdvertisedAddress', value: '' }
    ])
  }
}

module gateway 'modules/container-app.bicep' = {
  name: 'gateway'
  scope: group
  params: {
    name: 'ca-gateway-${token}'
    serviceName: 'gateway'
    location: location
    tags: tags
    environmentId: platform.outputs.environmentId
    registryServer: platform.outputs.registryLoginServer
    identityId: platform.outputs.identityId
    exists: gatewayExists
    minReplicas: 1
    ingressPort: 8080
    secrets: { 'admin-token': adminToken }
    env: concat(clusterSettings, [
      { name: 'Sendora__Gateway__HostSilo', value: 'false' }
      { name: 'Sendora__Gateway__AdminToken', secretRef: 'admin-token' }
      { name: 'ASPNETCORE_HTTP_PORTS', value: '8080' }
    ])
  }
}

output AZURE_CONTAINER_REGISTRY_ENDPOINT string = platform.outputs.registryLoginServer
output AZURE_RESOURCE_GROUP string = group.name
output SENDORA_GATEWAY_URL string = gateway.outputs.url
