// One Sendora container app that runs as the shared identity and pulls its image from the registry with it.
param name string

@description('The azure.yaml service name, which azd finds the app by through the azd-service-name tag.')
param serviceName string

param location string
param tags object
param environmentId string
param registryServer string
param identityId string

@description('Whether the app exists already, so its deployed image is kept instead of the placeholder.')
param exists bool

param minReplicas int = 1
param maxReplicas int = 3

@description('The port of external HTTP ingress. 0: no ingress, so the app is reachable only inside the environment.')
param ingressPort int = 0

@description('Container Apps secrets as an object of secret name to value.')
@secure()
param secrets object = {}

@description('Environment variables as { name, value } or { name, secretRef }.')
param env array

resource current 'Microsoft.App/containerApps@2024-03-01' existing = if (exists) {
  name: name
}

// azd deploy replaces this public placeholder with the image it builds.
var placeholderImage = 'mcr.microsoft.com/azuredocs/containerapps-helloworld:latest'

resource app 'Microsoft.App/containerApps@2024-03-01' = {
  name: name
  location: location
  tags: union(tags, { 'azd-service-name': serviceName })
  identity: {
    type: 'UserAssigned'
    userAssignedIdentities: { '${identityId}': {} }
  }
  properties: {
    environmentId: environmentId
    configuration: {
      activeRevisionsMode: 'Single'
      ingress: ingressPort == 0 ? null : {
        external: true
        targetPort: ingressPort
        transport: 'http'
        allowInsecure: false
      }
      registries: [
        {
          server: registryServer
          identity: identityId
        }
      ]
      secrets: [for secret in items(secrets): { name: secret.key, value: secret.value }]
    }
    template: {
      containers: [
        {
          name: serviceName
          image: exists ? current.properties.template.containers[0].image : placeholderImage
          env: env
          resources: {
            cpu: json('1.0')
            memory: '2Gi'
          }
        }
      ]
      scale: {
        minReplicas: minReplicas
        maxReplicas: maxReplicas
      }
    }
  }
}

output url string = ingressPort == 0 ? '' : 'https://${app.properties.configuration.ingress.fqdn}'
