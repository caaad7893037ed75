// The one storage account the app uses: the Functions host's own state (AzureWebJobsStorage), the deployment
// package container of the Flex Consumption plan, the proxy's tables and its failure queues. Access is by
// Microsoft Entra ID only: shared keys are disabled, so no connection string or account key can work.

import { resourceTags } from 'types.bicep'

@description('Azure region of the storage account.')
param location string

@description('Tags put on the storage account.')
param tags resourceTags

@description('Name of the storage account: 3 to 24 lowercase letters and digits, globally unique.')
@minLength(3)
@maxLength(24)
param storageAccountName string

@description('Blob container the Flex Consumption plan deploys the app package from.')
@minLength(3)
@maxLength(63)
param deploymentContainerName string

resource storage 'Microsoft.Storage/storageAccounts@2026-06-01' = {
  name: storageAccountName
  location: location
  tags: tags
  kind: 'StorageV2'
  sku: {
    name: 'Standard_LRS'
  }
  properties: {
    accessTier: 'Hot'
    // Identity-based access only: the app, the Functions host and the deployment all use the user-assigned
    // managed identity, so nothing needs (or may use) an account key or a SAS signed with one.
    allowSharedKeyAccess: false
    defaultToOAuthAuthentication: true
    supportsHttpsTrafficOnly: true
    minimumTlsVersion: 'TLS1_2'
    allowBlobPublicAccess: false
    // The Flex Consumption plan here has no virtual network, so the app reaches storage over its public endpoint.
    publicNetworkAccess: 'Enabled'
  }
}

resource blobService 'Microsoft.Storage/storageAccounts/blobServices@2026-06-01' = {
  parent: storage
  name: 'default'
}

resource deploymentContainer 'Microsoft.Storage/storageAccounts/blobServices/containers@2026-06-01' = {
  parent: blobService
  name: deploymentContainerName
  properties: {
    publicAccess: 'None'
  }
}

resource tableService 'Microsoft.Storage/storageAccounts/tableServices@2026-06-01' = {
  parent: storage
  name: 'default'
}

// The tables with fixed names: registered API keys (managed mode) and the failure archive.
// The quota's counter tables are not created here: the app creates one per UTC day, named 'quota<yyyyMMdd>'
// (Proxy__Quota__TablePrefix plus the date), when that day's first request is counted, and drops the days
// past the retention period itself. A template cannot know those names in advance; the identity's Storage
// Table Data Contributor role is what lets the app create and delete them.
resource keysTable 'Microsoft.Storage/storageAccounts/tableServices/tables@2026-06-01' = {
  parent: tableService
  name: 'keys'
}

resource failuresTable 'Microsoft.Storage/storageAccounts/tableServices/tables@2026-06-01' = {
  parent: tableService
  name: 'failures'
}

resource queueService 'Microsoft.Storage/storageAccounts/queueServices@2026-06-01' = {
  parent: storage
  name: 'default'
}

// The failure queue (Proxy__Failures__QueueName), and the poison queue the Functions queue trigger moves a
// message to after its last failed attempt.
resource failuresQueue 'Microsoft.Storage/storageAccounts/queueServices/queues@2026-06-01' = {
  parent: queueService
  name: 'proxy-failures'
}

resource failuresPoisonQueue 'Microsoft.Storage/storageAccounts/queueServices/queues@2026-06-01' = {
  parent: queueService
  name: 'proxy-failures-poison'
}

@description('Name of the storage account.')
output storageAccountName string = storage.name
