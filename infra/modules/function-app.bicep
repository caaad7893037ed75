// The proxy as a .NET 10 isolated-worker Function App on a Flex Consumption (FC1, Linux) plan. Every
// connection is identity-based, as the user-assigned managed identity: the host's storage, the deployment
// package, Application Insights ingestion and the Key Vault reference. The Flex plan takes its runtime and
// deployment source from functionAppConfig, so the settings older plans needed (FUNCTIONS_WORKER_RUNTIME,
// FUNCTIONS_EXTENSION_VERSION, WEBSITE_RUN_FROM_PACKAGE, WEBSITE_CONTENT*) are not set: Flex rejects or ignores them.

import { resourceTags } from 'types.bicep'

@description('Azure region of the plan and the app.')
param location string

@description('Tags put on the plan and the app; the app also gets azd-service-name.')
param tags resourceTags

@description('Name of the Flex Consumption plan.')
param planName string

@description('Name of the Function App, which is also the first label of its default host name.')
param functionAppName string

@description('Resource id of the user-assigned managed identity the app runs as.')
param identityId string

@description('Client id of the user-assigned managed identity, which the identity-based connections name.')
param identityClientId string

@description('Name of the storage account for AzureWebJobsStorage and the deployment package.')
param storageAccountName string

@description('Name of the blob container the plan deploys the app package from.')
param deploymentContainerName string

@description('Name of the Application Insights component the app sends telemetry to.')
param appInsightsName string

@description('Name of the Key Vault holding the upstream API key.')
param keyVaultName string

@description('Name of the Key Vault secret holding the upstream API key.')
param upstreamApiKeySecretName string

@description('Proxy__Upstream__BaseUrl: the OpenAI-compatible upstream.')
param upstreamBaseUrl string

@description('Proxy__Auth__Mode: PassThrough or Managed.')
@allowed([
  'PassThrough'
  'Managed'
])
param authMode string

@description('Proxy__Quota__FreeRequestsPerHour: the free tier\'s hourly limit a fresh tiers table is filled with.')
@minValue(0)
param freeRequestsPerHour int

@description('Proxy__Quota__FailureMode: Open or Closed.')
@allowed([
  'Open'
  'Closed'
])
param quotaFailureMode string

@description('Memory of each instance, in MB.')
@allowed([
  512
  2048
  4096
])
param instanceMemoryMB int

@description('The most instances the plan scales out to.')
@minValue(1)
@maxValue(1000)
param maximumInstanceCount int

resource storage 'Microsoft.Storage/storageAccounts@2026-06-01' existing = {
  name: storageAccountName
}

resource appInsights 'Microsoft.Insights/components@2020-02-02' existing = {
  name: appInsightsName
}

resource keyVault 'Microsoft.KeyVault/vaults@2026-05-15' existing = {
  name: keyVaultName
}

// In Managed mode the proxy sends its own key upstream, so the setting is a Key Vault reference the platform
// resolves as the user-assigned identity (the trailing slash means the latest version of the secret). In
// PassThrough mode it stays empty: any value there would replace every client's key upstream, and an
// unresolved reference would be sent as the key itself.
@description('Value of Proxy__Upstream__ApiKey.')
var upstreamApiKeySetting = authMode == 'Managed'
  ? '@Microsoft.KeyVault(SecretUri=${keyVault.properties.vaultUri}secrets/${upstreamApiKeySecretName}/)'
  : ''

resource plan 'Microsoft.Web/serverfarms@2025-03-01' = {
  name: planName
  location: location
  tags: tags
  kind: 'functionapp'
  sku: {
    tier: 'FlexConsumption'
    name: 'FC1'
  }
  properties: {
    // Linux.
    reserved: true
  }
}

resource functionApp 'Microsoft.Web/sites@2025-03-01' = {
  name: functionAppName
  location: location
  // azd deploys the 'proxy' service of azure.yaml to the resource carrying this tag.
  tags: union(tags, { 'azd-service-name': 'proxy' })
  kind: 'functionapp,linux'
  identity: {
    type: 'UserAssigned'
    userAssignedIdentities: {
      '${identityId}': {}
    }
  }
  properties: {
    serverFarmId: plan.id
    httpsOnly: true
    keyVaultReferenceIdentity: identityId
    functionAppConfig: {
      deployment: {
        storage: {
          type: 'blobContainer'
          value: '${storage.properties.primaryEndpoints.blob}${deploymentContainerName}'
          authentication: {
            type: 'UserAssignedIdentity'
            userAssignedIdentityResourceId: identityId
          }
        }
      }
      scaleAndConcurrency: {
        instanceMemoryMB: instanceMemoryMB
        maximumInstanceCount: maximumInstanceCount
      }
      runtime: {
        name: 'dotnet-isolated'
        version: '10.0'
      }
    }
    // No siteConfig.healthCheckPath: Flex Consumption has no platform health check (App Service's Health check,
    // which takes failing instances out of rotation, serves Premium and Dedicated plans only). The app's GET /health
    // is for a monitor to call instead, such as an Application Insights availability test (README, "Health").
    siteConfig: {
      minTlsVersion: '1.2'
      ftpsState: 'Disabled'
      appSettings: [
        // The host's storage, identity-based: account name, the identity to use, and the service endpoints
        // (read from the account so that they are right in every Azure cloud).
        {
          name: 'AzureWebJobsStorage__accountName'
          value: storage.name
        }
        {
          name: 'AzureWebJobsStorage__credential'
          value: 'managedidentity'
        }
        {
          name: 'AzureWebJobsStorage__clientId'
          value: identityClientId
        }
        {
          name: 'AzureWebJobsStorage__blobServiceUri'
          value: storage.properties.primaryEndpoints.blob
        }
        {
          name: 'AzureWebJobsStorage__queueServiceUri'
          value: storage.properties.primaryEndpoints.queue
        }
        {
          name: 'AzureWebJobsStorage__tableServiceUri'
          value: storage.properties.primaryEndpoints.table
        }
        // Telemetry with Entra auth: the connection string only addresses the component, which accepts
        // nothing but tokens for the identity named here.
        {
          name: 'APPLICATIONINSIGHTS_CONNECTION_STRING'
          value: appInsights.properties.ConnectionString
        }
        {
          name: 'APPLICATIONINSIGHTS_AUTHENTICATION_STRING'
          value: 'ClientId=${identityClientId};Authorization=AAD'
        }
        {
          name: 'Proxy__Upstream__BaseUrl'
          value: upstreamBaseUrl
        }
        {
          name: 'Proxy__Upstream__ApiKey'
          value: upstreamApiKeySetting
        }
        {
          name: 'Proxy__Auth__Mode'
          value: authMode
        }
        {
          name: 'Proxy__Quota__FreeRequestsPerHour'
          value: string(freeRequestsPerHour)
        }
        {
          name: 'Proxy__Quota__FailureMode'
          value: quotaFailureMode
        }
        {
          // The queue modules/storage.bicep creates.
          name: 'Proxy__Failures__QueueName'
          value: 'proxy-failures'
        }
      ]
    }
  }
}

@description('Name of the Function App.')
output functionAppName string = functionApp.name

@description('Default host name of the Function App, without a scheme.')
output defaultHostName string = functionApp.properties.defaultHostName
