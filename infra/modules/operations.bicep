// What the person on call opens in the portal: one workbook and the alerts that page them. Every query
// is a .kql file in infra/monitoring, loaded here at build time, so the repository holds each once.
param location string
param tags object
param applicationInsightsId string
param workbookName string
param actionGroupName string
@description('Where alerts are e-mailed.')
param alertEmailAddress string
@description('Lockouts in 15 minutes above which the lockout alert fires.')
param lockoutAlertThreshold int = 5

var panels = [
  {
    name: 'pm-completion-by-lab'
    title: 'PM completion by lab and frequency (last 7 days)'
    query: loadTextContent('../monitoring/workbook/pm-completion-by-lab.kql')
    durationMs: 604800000
    visualization: 'table'
  }
  {
    name: 'missed-pm-by-day'
    title: 'Missed PM per lab and day (last 30 days)'
    query: loadTextContent('../monitoring/workbook/missed-pm-by-day.kql')
    durationMs: 2592000000
    visualization: 'barchart'
  }
  {
    name: 'generator-health'
    title: 'Generator health: last successful run per lab (last 7 days)'
    query: loadTextContent('../monitoring/workbook/generator-health.kql')
    durationMs: 604800000
    visualization: 'table'
  }
  {
    name: 'generator-failures'
    title: 'Generator failures and poison messages (last 7 days)'
    query: loadTextContent('../monitoring/workbook/generator-failures.kql')
    durationMs: 604800000
    visualization: 'table'
  }
  {
    name: 'generator-cost'
    title: 'Generator cost per lab: Cosmos DB requests and request units (last 24 hours)'
    query: loadTextContent('../monitoring/workbook/generator-cost.kql')
    durationMs: 86400000
    visualization: 'table'
  }
  {
    name: 'sign-in-failures'
    title: 'Failed sign-ins, lockouts and rate-limit refusals per hour (last 7 days)'
    query: loadTextContent('../monitoring/workbook/sign-in-failures.kql')
    durationMs: 604800000
    visualization: 'timechart'
  }
  {
    name: 'sign-in-failures-by-account'
    title: 'Failed sign-ins and lockouts by account (last 7 days)'
    query: loadTextContent('../monitoring/workbook/sign-in-failures-by-account.kql')
    durationMs: 604800000
    visualization: 'table'
  }
  {
    name: 'denied-requests'
    title: 'Requests denied for lack of permission (last 7 days)'
    query: loadTextContent('../monitoring/workbook/denied-requests.kql')
    durationMs: 604800000
    visualization: 'table'
  }
  {
    name: 'api-latency-and-failures'
    title: 'API latency and server-error rate (last 24 hours)'
    query: loadTextContent('../monitoring/workbook/api-latency-and-failures.kql')
    durationMs: 86400000
    visualization: 'timechart'
  }
  {
    name: 'calibration-overdue'
    title: 'Machines not fit for use: calibration overdue (last 30 days)'
    query: loadTextContent('../monitoring/workbook/calibration-overdue.kql')
    durationMs: 2592000000
    visualization: 'table'
  }
  {
    name: 'open-nonconformities'
    title: 'Open nonconformities by lab and age (opened in the last 90 days)'
    query: loadTextContent('../monitoring/workbook/open-nonconformities.kql')
    durationMs: 7776000000
    visualization: 'table'
  }
  {
    name: 'reminders'
    title: 'Reminders: daily digests sent, retrying or failed, and failed messages by channel (last 14 days)'
    query: loadTextContent('../monitoring/workbook/reminders.kql')
    durationMs: 1209600000
    visualization: 'table'
  }
  {
    name: 'cosmos-request-units'
    title: 'Cosmos DB request units, throttling and failures per container (last 24 hours)'
    query: loadTextContent('../monitoring/workbook/cosmos-request-units.kql')
    durationMs: 86400000
    visualization: 'timechart'
  }
]

var workbookContent = {
  version: 'Notebook/1.0'
  items: concat(
    [
      {
        type: 1
        name: 'introduction'
        content: {
          json: '## EquipManSys operations\nDid every lab get its checklists, are sign-ins under attack, is the API healthy? Each panel below is a query from infra/monitoring/workbook; the README says what to do about each alert.'
        }
      }
    ],
    map(panels, panel => {
      type: 3
      name: panel.name
      content: {
        version: 'KqlItem/1.0'
        title: panel.title
        query: panel.query
        size: 0
        queryType: 0
        resourceType: 'microsoft.insights/components'
        timeContext: { durationMs: panel.durationMs }
        visualization: panel.visualization
      }
    })
  )
  fallbackResourceIds: [applicationInsightsId]
  '$schema': 'https://github.com/Microsoft/Application-Insights-Workbooks/blob/master/schema/workbook.json'
}

resource workbook 'Microsoft.Insights/workbooks@2023-06-01' = {
  name: guid(resourceGroup().id, workbookName)
  location: location
  tags: tags
  kind: 'shared'
  properties: {
    displayName: workbookName
    category: 'workbook'
    sourceId: applicationInsightsId
    serializedData: string(workbookContent)
  }
}

resource actionGroup 'Microsoft.Insights/actionGroups@2023-01-01' = {
  name: actionGroupName
  location: 'Global'
  tags: tags
  properties: {
    groupShortName: 'equipmansys'
    enabled: true
    emailReceivers: [
      {
        name: 'on-call'
        emailAddress: alertEmailAddress
        useCommonAlertSchema: true
      }
    ]
  }
}

var alerts = [
  {
    name: 'api-server-errors'
    description: 'More than 5 % of API calls answered 5xx in 15 minutes (README: Alerts).'
    severity: 1
    query: loadTextContent('../monitoring/alerts/api-server-errors.kql')
    evaluationFrequency: 'PT5M'
    windowSize: 'PT15M'
    threshold: 0
  }
  {
    name: 'generator-failed'
    description: 'A generator run failed or a lab message reached the poison queue (README: Alerts).'
    severity: 2
    query: loadTextContent('../monitoring/alerts/generator-failed.kql')
    evaluationFrequency: 'PT15M'
    windowSize: 'PT1H'
    threshold: 0
  }
  {
    name: 'generator-silent'
    description: 'A lab has had no successful generator run for 26 hours (README: Alerts).'
    severity: 1
    query: loadTextContent('../monitoring/alerts/generator-silent.kql')
    evaluationFrequency: 'PT1H'
    windowSize: 'P2D'
    threshold: 0
  }
  {
    name: 'calibration-overdue'
    description: 'A machine is past its calibration due date and grace: not fit for use (README: Alerts).'
    severity: 2
    query: loadTextContent('../monitoring/alerts/calibration-overdue.kql')
    evaluationFrequency: 'PT1H'
    windowSize: 'PT1H'
    threshold: 0
  }
  {
    name: 'nonconformity-open-too-long'
    description: 'A nonconformity has been open more than 14 days: its impact items or its closure wait (README: Alerts).'
    severity: 3
    query: loadTextContent('../monitoring/alerts/nonconformity-open-too-long.kql')
    evaluationFrequency: 'PT1H'
    windowSize: 'PT1H'
    threshold: 0
  }
  {
    name: 'lockout-spike'
    description: 'More accounts locked in 15 minutes than the threshold: passwords may be under attack (README: Alerts).'
    severity: 2
    query: loadTextContent('../monitoring/alerts/lockout-spike.kql')
    evaluationFrequency: 'PT5M'
    windowSize: 'PT15M'
    threshold: lockoutAlertThreshold
  }
]

resource alertRules 'Microsoft.Insights/scheduledQueryRules@2023-03-15-preview' = [
  for alert in alerts: {
    name: '${workbookName}-${alert.name}'
    location: location
    tags: tags
    properties: {
      displayName: alert.name
      description: alert.description
      severity: alert.severity
      enabled: true
      scopes: [applicationInsightsId]
      evaluationFrequency: alert.evaluationFrequency
      windowSize: alert.windowSize
      autoMitigate: true
      criteria: {
        allOf: [
          {
            query: alert.query
            timeAggregation: 'Count'
            operator: 'GreaterThan'
            threshold: alert.threshold
            failingPeriods: { numberOfEvaluationPeriods: 1, minFailingPeriodsToAlert: 1 }
          }
        ]
      }
      actions: { actionGroups: [actionGroup.id] }
    }
  }
]

output workbookId string = workbook.id
