// Telemetry: a Log Analytics workspace and a workspace-based Application Insights component that accepts
// Microsoft Entra-authenticated ingestion only (local, key-based auth is off), so the instrumentation key in
// the connection string is an address, not a credential.

import { resourceTags } from 'types.bicep'

@description('Azure region of the workspace and the component.')
param location string

@description('Tags put on both resources.')
param tags resourceTags

@description('Name of the Log Analytics workspace.')
param logAnalyticsName string

@description('Name of the Application Insights component.')
param appInsightsName string

@description('Days Log Analytics keeps the telemetry.')
@minValue(30)
@maxValue(730)
param retentionInDays int = 30

resource logAnalytics 'Microsoft.OperationalInsights/workspaces@2026-03-01' = {
  name: logAnalyticsName
  location: location
  tags: tags
  properties: {
    sku: {
      name: 'PerGB2018'
    }
    retentionInDays: retentionInDays
  }
}

resource appInsights 'Microsoft.Insights/components@2020-02-02' = {
  name: appInsightsName
  location: location
  tags: tags
  kind: 'web'
  properties: {
    Application_Type: 'web'
    WorkspaceResourceId: logAnalytics.id
    // Only Entra-authenticated telemetry is accepted: the app sends it as the user-assigned identity,
    // which holds Monitoring Metrics Publisher on this component.
    DisableLocalAuth: true
  }
}

@description('Name of the Application Insights component, for the role assignment and the app settings.')
output appInsightsName string = appInsights.name
