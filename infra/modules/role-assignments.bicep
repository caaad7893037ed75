// What the user-assigned identity may do, and nothing more: the data-plane roles on the one storage account
// (blobs for the host and the deployment package, tables for keys and quota, queues for failure records),
// reading secrets in the one Key Vault, and publishing telemetry to the one Application Insights component.
// Each assignment's name is a guid() of its scope, the identity's resource id and the role, so redeploying
// is idempotent and what-if can predict it.

@description('Resource id of the user-assigned managed identity, known before deployment, which names the assignments.')
param identityId string

@description('Principal (object) id of the user-assigned managed identity, known only once it exists.')
param principalId string

@description('Name of the storage account the storage roles are scoped to.')
param storageAccountName string

@description('Name of the Key Vault the secrets role is scoped to.')
param keyVaultName string

@description('Name of the Application Insights component the metrics role is scoped to.')
param appInsightsName string

@description('Optional: object id of a user or group to make Key Vault Secrets Officer on the vault, so they can set the upstream key. Empty assigns nothing.')
param keyVaultOfficerPrincipalId string = ''

@description('Optional: the kind of principal keyVaultOfficerPrincipalId is.')
@allowed([
  'User'
  'Group'
  'ServicePrincipal'
])
param keyVaultOfficerPrincipalType string = 'User'

resource storage 'Microsoft.Storage/storageAccounts@2026-06-01' existing = {
  name: storageAccountName
}

resource keyVault 'Microsoft.KeyVault/vaults@2026-05-15' existing = {
  name: keyVaultName
}

resource appInsights 'Microsoft.Insights/components@2020-02-02' existing = {
  name: appInsightsName
}

// Built-in role definitions are named by ids that are the same in every tenant; they are written out
// literally so that each assignment says exactly which role it grants.

// Storage Blob Data Owner, not Contributor: the Functions host takes blob leases for its timer and the Flex
// Consumption plan reads the deployment package as this identity.
resource storageBlobDataOwner 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(storage.id, identityId, 'b7e6dc6d-f1e8-4753-8033-0f276bb0955b')
  scope: storage
  properties: {
    roleDefinitionId: subscriptionResourceId(
      'Microsoft.Authorization/roleDefinitions',
      'b7e6dc6d-f1e8-4753-8033-0f276bb0955b'
    )
    principalId: principalId
    principalType: 'ServicePrincipal'
  }
}

// Storage Table Data Contributor: the keys table, and the daily quota tables the app creates and drops itself.
resource storageTableDataContributor 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(storage.id, identityId, '0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3')
  scope: storage
  properties: {
    roleDefinitionId: subscriptionResourceId(
      'Microsoft.Authorization/roleDefinitions',
      '0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3'
    )
    principalId: principalId
    principalType: 'ServicePrincipal'
  }
}

// Storage Queue Data Contributor: the failure records go onto, and are read from, the failure queue.
resource storageQueueDataContributor 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(storage.id, identityId, '974c5e8b-45b9-4653-ba55-5f855dd0fb88')
  scope: storage
  properties: {
    roleDefinitionId: subscriptionResourceId(
      'Microsoft.Authorization/roleDefinitions',
      '974c5e8b-45b9-4653-ba55-5f855dd0fb88'
    )
    principalId: principalId
    principalType: 'ServicePrincipal'
  }
}

// Key Vault Secrets User: the platform resolves the app setting's Key Vault reference as this identity
// (keyVaultReferenceIdentity).
resource keyVaultSecretsUser 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(keyVault.id, identityId, '4633458b-17de-408a-b874-0445c86b69e6')
  scope: keyVault
  properties: {
    roleDefinitionId: subscriptionResourceId(
      'Microsoft.Authorization/roleDefinitions',
      '4633458b-17de-408a-b874-0445c86b69e6'
    )
    principalId: principalId
    principalType: 'ServicePrincipal'
  }
}

// Monitoring Metrics Publisher: Application Insights has local auth disabled, so it accepts telemetry only
// from a principal holding this role.
resource monitoringMetricsPublisher 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(appInsights.id, identityId, '3913510d-42f4-4e42-8a64-420c390055eb')
  scope: appInsights
  properties: {
    roleDefinitionId: subscriptionResourceId(
      'Microsoft.Authorization/roleDefinitions',
      '3913510d-42f4-4e42-8a64-420c390055eb'
    )
    principalId: principalId
    principalType: 'ServicePrincipal'
  }
}

// Key Vault Secrets Officer, not for the app: an optional grant for the person who puts the upstream key
// into the vault.
resource keyVaultSecretsOfficer 'Microsoft.Authorization/roleAssignments@2022-04-01' = if (!empty(keyVaultOfficerPrincipalId)) {
  name: guid(keyVault.id, keyVaultOfficerPrincipalId, 'b86a8fe4-44ce-4948-aee5-eccb2c155cd7')
  scope: keyVault
  properties: {
    roleDefinitionId: subscriptionResourceId(
      'Microsoft.Authorization/roleDefinitions',
      'b86a8fe4-44ce-4948-aee5-eccb2c155cd7'
    )
    principalId: keyVaultOfficerPrincipalId
    principalType: keyVaultOfficerPrincipalType
  }
}
