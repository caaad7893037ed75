// The Key Vault that holds the upstream API key. Access is by Azure RBAC only (no access policies). The
// template creates the vault, never the secret: the key is put in by hand (az keyvault secret set), so it is
// never a template parameter, a deployment record or an output.

import { resourceTags } from 'types.bicep'

@description('Azure region of the vault.')
param location string

@description('Tags put on the vault.')
param tags resourceTags

@description('Name of the vault: 3 to 24 letters, digits and hyphens, globally unique.')
@minLength(3)
@maxLength(24)
param keyVaultName string

resource keyVault 'Microsoft.KeyVault/vaults@2026-05-15' = {
  name: keyVaultName
  location: location
  tags: tags
  properties: {
    tenantId: tenant().tenantId
    sku: {
      family: 'A'
      name: 'standard'
    }
    enableRbacAuthorization: true
    enableSoftDelete: true
    softDeleteRetentionInDays: 90
    // The deployer sets the secret from their own machine, so the vault keeps its public endpoint.
    publicNetworkAccess: 'Enabled'
  }
}

@description('Name of the vault.')
output keyVaultName string = keyVault.name
