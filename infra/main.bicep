// Deploys the proxy into one resource group: a Flex Consumption Function App running as a user-assigned
// managed identity, its storage account (shared keys off), Application Insights (Entra auth only) and a
// Key Vault for the upstream API key. Every connection is identity-based; no key or connection string of
// any resource appears in the template, the app settings or the outputs.
//
// Deploy with `azd up`, or `az deployment group create --template-file infra/main.bicep --parameters
// infra/main.parameters.json`. Validate offline with scripts/validate-infra.sh.

targetScope = 'resourceGroup'

import { resourceTags } from 'modules/types.bicep'

@description('Azure region of every resource. Defaults to the resource group\'s region.')
param location string = resourceGroup().location

@description('Proxy__Upstream__BaseUrl: the OpenAI-compatible API the proxy forwards to.')
param upstreamBaseUrl string = 'https://api.aimlapi.com'

@description('Proxy__Auth__Mode: PassThrough forwards the client\'s key; Managed accepts only registered keys and sends the upstream key from Key Vault.')
@allowed([
  'PassThrough'
  'Managed'
])
param authMode string = 'PassThrough'

@description('Proxy__Quota__FreeRequestsPerHour: the free tier\'s hourly limit a fresh deployment starts from; once the tiers table is filled, proxy-cli tiers set changes it.')
@minValue(0)
param freeRequestsPerHour int = 10

@description('Proxy__Quota__FailureMode: Open admits requests when Table storage is down; Closed answers 503.')
@allowed([
  'Open'
  'Closed'
])
param quotaFailureMode string = 'Open'

@description('Name of the Key Vault secret that holds the upstream API key (the name only; the value is set with az keyvault secret set).')
@minLength(1)
@maxLength(127)
param upstreamApiKeySecretName string = 'upstream-api-key'

@description('Memory of each Flex Consumption instance, in MB.')
@allowed([
  512
  2048
  4096
])
param instanceMemoryMB int = 2048

@description('The most instances the Flex Consumption plan scales out to.')
@minValue(1)
@maxValue(1000)
param maximumInstanceCount int = 100

@description('Optional: object id of the user (or group) who will set the upstream key; they get Key Vault Secrets Officer on the vault. Empty assigns nothing.')
param keyVaultOfficerPrincipalId string = ''

@description('Optional: User, Group or ServicePrincipal, the kind of keyVaultOfficerPrincipalId.')
@allowed([
  'User'
  'Group'
  'ServicePrincipal'
])
param keyVaultOfficerPrincipalType string = 'User'

@description('Tags put on every resource.')
param tags resourceTags = {
  application: 'ai-api-proxy'
}

@description('Makes the names unique per subscription, resource group and region, and stable across redeployments.')
var resourceToken = toLower(uniqueString(subscription().id, resourceGroup().id, location))

@description('Resource names. uniqueString() is 13 characters, so the storage account (letters and digits only) and Key Vault names are 20 and 22 characters, within their limit of 24.')
var names = {
  identity: 'id-proxy-${resourceToken}'
  storageAccount: 'stproxy${resourceToken}'
  deploymentContainer: 'app-package'
  keyVault: 'kv-proxy-${resourceToken}'
  logAnalytics: 'log-proxy-${resourceToken}'
  appInsights: 'appi-proxy-${resourceToken}'
  plan: 'plan-proxy-${resourceToken}'
  functionApp: 'func-proxy-${resourceToken}'
}

resource identity 'Microsoft.ManagedIdentity/userAssignedIdentities@2024-11-30' = {
  name: names.identity
  location: location
  tags: tags
}

module storage 'modules/storage.bicep' = {
  params: {
    location: location
    tags: tags
    storageAccountName: names.storageAccount
    deploymentContainerName: names.deploymentContainer
  }
}

module monitoring 'modules/monitoring.bicep' = {
  params: {
    location: location
    tags: tags
    logAnalyticsName: names.logAnalytics
    appInsightsName: names.appInsights
  }
}

module keyVault 'modules/key-vault.bicep' = {
  params: {
    location: location
    tags: tags
    keyVaultName: names.keyVault
  }
}

module roleAssignments 'modules/role-assignments.bicep' = {
  params: {
    identityId: identity.id
    principalId: identity.properties.principalId
    storageAccountName: names.storageAccount
    keyVaultName: names.keyVault
    appInsightsName: names.appInsights
    keyVaultOfficerPrincipalId: keyVaultOfficerPrincipalId
    keyVaultOfficerPrincipalType: keyVaultOfficerPrincipalType
  }
  // Names, not module outputs, are passed in, so that what-if can predict the assignments' names; these
  // dependencies are what orders the deployment.
  dependsOn: [
    storage
    keyVault
    monitoring
  ]
}

module functionApp 'modules/function-app.bicep' = {
  params: {
    location: location
    tags: tags
    planName: names.plan
    functionAppName: names.functionApp
    identityId: identity.id
    identityClientId: identity.properties.clientId
    storageAccountName: names.storageAccount
    deploymentContainerName: names.deploymentContainer
    appInsightsName: names.appInsights
    keyVaultName: names.keyVault
    upstreamApiKeySecretName: upstreamApiKeySecretName
    upstreamBaseUrl: upstreamBaseUrl
    authMode: authMode
    freeRequestsPerHour: freeRequestsPerHour
    quotaFailureMode: quotaFailureMode
    instanceMemoryMB: instanceMemoryMB
    maximumInstanceCount: maximumInstanceCount
  }
  // The app reads its deployment package, its host storage and its Key Vault reference as the identity from
  // the moment it is created, so the identity's roles (and so the resources they are on) must exist first.
  dependsOn: [
    roleAssignments
    storage
    keyVault
    monitoring
  ]
}

@description('Base URL of the proxy: clients use <this>/v1 as their SDK\'s base URL.')
output PROXY_BASE_URL string = 'https://${functionApp.outputs.defaultHostName}'

@description('Name of the Function App, for publishing the code.')
output AZURE_FUNCTION_APP_NAME string = functionApp.outputs.functionAppName

@description('The resource group everything was deployed to.')
output AZURE_RESOURCE_GROUP string = resourceGroup().name

@description('Name of the storage account (tables, queues, deployment package).')
output AZURE_STORAGE_ACCOUNT_NAME string = storage.outputs.storageAccountName

@description('Name of the Key Vault to put the upstream API key into.')
output AZURE_KEY_VAULT_NAME string = keyVault.outputs.keyVaultName

@description('Name of the Key Vault secret the app reads the upstream API key from (a name, never the value).')
output UPSTREAM_API_KEY_SECRET_NAME string = upstreamApiKeySecretName

@description('Client id of the app\'s user-assigned managed identity.')
output AZURE_MANAGED_IDENTITY_CLIENT_ID string = identity.properties.clientId
