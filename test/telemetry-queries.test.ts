import { readFile, readdir } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { beforeAll, describe, expect, it } from 'vitest';
import { cosmosDependencyProperties, cosmosDependencyType, telemetryEvents } from '../shared/platform/telemetry.js';

/**
 * The workbook's and the alerts' queries, read as the portal would run them: parsed and bound by
 * Microsoft's Kusto language service against the Application Insights tables, and held to the
 * event, dimension and measurement names the product sends.
 */

const commonColumns =
  'timestamp: datetime, name: string, itemType: string, customDimensions: dynamic, customMeasurements: dynamic, operation_Name: string, operation_Id: string, ' +
  'operation_ParentId: string, operation_SyntheticSource: string, session_Id: string, user_Id: string, user_AuthenticatedId: string, user_AccountId: string, ' +
  'application_Version: string, client_Type: string, client_Model: string, client_OS: string, client_IP: string, client_City: string, ' +
  'client_StateOrProvince: string, client_CountryOrRegion: string, client_Browser: string, cloud_RoleName: string, cloud_RoleInstance: string, ' +
  'appId: string, appName: string, iKey: string, sdkVersion: string, itemId: string, itemCount: int';

/** The classic Application Insights tables a workbook on the component and a log alert on it query. */
const applicationInsightsTables: Record<string, string> = {
  requests: `(${commonColumns}, id: string, source: string, url: string, success: bool, resultCode: string, duration: real, performanceBucket: string)`,
  dependencies: `(${commonColumns}, id: string, target: string, type: string, data: string, success: bool, resultCode: string, duration: real, performanceBucket: string)`,
  customEvents: `(${commonColumns})`,
  exceptions: `(${commonColumns}, problemId: string, handledAt: string, type: string, message: string, assembly: string, method: string, outerType: string, outerMessage: string, severityLevel: int, details: dynamic)`,
  traces: `(${commonColumns}, message: string, severityLevel: int)`,
};

interface KustoDiagnostic {
  Severity: string;
  Message: string;
  Start: number;
}
type Analyze = (query: string) => KustoDiagnostic[];

/** Kusto.Language compiled to JavaScript (Bridge.NET): it defines globals, so it is loaded the CommonJS way. */
function loadKusto(): Analyze {
  const require = createRequire(import.meta.url);
  const globals = globalThis as Record<string, unknown>;
  globals.Bridge = require('@kusto/language-service-next/bridge.js');
  require('@kusto/language-service-next/Kusto.Language.Bridge.js');
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- the Bridge.NET types are not modules
  const { Kusto, System } = globals as any;
  const symbols = Kusto.Language.Symbols;
  const tables = new (System.Collections.Generic.List$1(symbols.Symbol).ctor)();
  for (const [name, schema] of Object.entries(applicationInsightsTables)) tables.add(new symbols.TableSymbol.$ctor7(name, schema, null));
  const state = Kusto.Language.GlobalState.Default.WithDatabase(new symbols.DatabaseSymbol.$ctor1('applicationinsights', tables, false));
  return (query) => {
    const diagnostics = Kusto.Language.KustoCode.ParseAndAnalyze(query, state).GetDiagnostics();
    const found: KustoDiagnostic[] = [];
    for (let index = 0; index < diagnostics.Count; index++) found.push(diagnostics.getItem(index));
    return found;
  };
}

interface QueryFile {
  path: string;
  text: string;
}

async function queryFiles(folder: string): Promise<QueryFile[]> {
  const names = (await readdir(`infra/monitoring/${folder}`)).filter((name) => name.endsWith('.kql')).sort();
  return Promise.all(
    names.map(async (name) => ({ path: `infra/monitoring/${folder}/${name}`, text: await readFile(`infra/monitoring/${folder}/${name}`, 'utf8') })),
  );
}

let analyze: Analyze;
let panels: QueryFile[];
let alerts: QueryFile[];
let operationsBicep: string;

beforeAll(async () => {
  analyze = loadKusto();
  [panels, alerts, operationsBicep] = await Promise.all([queryFiles('workbook'), queryFiles('alerts'), readFile('infra/modules/operations.bicep', 'utf8')]);
});

/** The names a query reads out of customDimensions or customMeasurements. */
function keysRead(text: string, bag: 'customDimensions' | 'customMeasurements'): string[] {
  return [...text.matchAll(new RegExp(`${bag}(?:\\.([A-Za-z_]\\w*)|\\['([A-Za-z_]\\w*)'\\])`, 'g'))].map((match) => match[1] ?? match[2]!);
}

/** The custom events a query filters on: `name == 'X'` and `name in ('X', 'Y')`. */
function eventsNamed(text: string): string[] {
  const single = [...text.matchAll(/\bname == '(\w+)'/g)].map((match) => match[1]!);
  const lists = [...text.matchAll(/\bname in \(([^)]*)\)/g)].flatMap((match) => [...match[1]!.matchAll(/'(\w+)'/g)].map((name) => name[1]!));
  return [...single, ...lists];
}

describe('operations queries', () => {
  it('are each loaded into the workbook or an alert rule from their file, and nothing is loaded that does not exist', () => {
    const loaded = [...operationsBicep.matchAll(/loadTextContent\('\.\.\/monitoring\/([^']+)'\)/g)].map((match) => `infra/monitoring/${match[1]}`).sort();
    expect(loaded).toEqual([...panels, ...alerts].map((file) => file.path).sort());
    expect(panels.length).toBeGreaterThanOrEqual(8);
    expect(alerts.map((file) => file.path)).toEqual(
      ['api-server-errors', 'calibration-overdue', 'generator-failed', 'generator-silent', 'lockout-spike', 'nonconformity-open-too-long'].map(
        (name) => `infra/monitoring/alerts/${name}.kql`,
      ),
    );
  });

  it('parse and bind against the Application Insights tables without a single diagnostic', () => {
    for (const file of [...panels, ...alerts]) {
      const problems = analyze(file.text).map((diagnostic) => `${diagnostic.Severity} at ${diagnostic.Start}: ${diagnostic.Message}`);
      expect(problems, file.path).toEqual([]);
    }
  });

  it('would catch a misspelt column or table', () => {
    expect(
      analyze("customEvents | where nmae == 'GeneratorRun'")
        .map((diagnostic) => diagnostic.Message)
        .join(),
    ).toContain('nmae');
    expect(analyze('customEvent | take 1').length).toBeGreaterThan(0);
  });

  it('read only events, dimensions and measurements the product sends', () => {
    const sentDependencyProperties: readonly string[] = cosmosDependencyProperties;
    for (const file of [...panels, ...alerts]) {
      const named = eventsNamed(file.text);
      const onDependencies = /^\s*dependencies\b/m.test(file.text);
      expect(named.length > 0 || onDependencies || /^\s*requests\b/m.test(file.text), `${file.path} names its events`).toBe(true);
      for (const name of named) expect(Object.keys(telemetryEvents), file.path).toContain(name);
      const events = named.map((name) => telemetryEvents[name as keyof typeof telemetryEvents]);
      const properties = new Set<string>([...events.flatMap((event) => event.properties), ...(onDependencies ? sentDependencyProperties : [])]);
      const measurements = new Set<string>(events.flatMap((event) => event.measurements));
      for (const key of keysRead(file.text, 'customDimensions')) expect([...properties], `${file.path} reads customDimensions.${key}`).toContain(key);
      for (const key of keysRead(file.text, 'customMeasurements')) expect([...measurements], `${file.path} reads customMeasurements.${key}`).toContain(key);
      if (onDependencies) expect(file.text).toContain(`type == '${cosmosDependencyType}'`);
    }
  });

  it('cover what the person on call must see', () => {
    const everything = [...panels, ...alerts].map((file) => file.text).join('\n');
    for (const event of [
      'PmRecordCompleted',
      'PmRecordsMissed',
      'GeneratorRun',
      'GeneratorRunFailed',
      'GeneratorMessagePoisoned',
      'SignInFailed',
      'AccountLocked',
      'RequestDenied',
    ]) {
      expect(everything, event).toContain(`'${event}'`);
    }
    expect(everything).toMatch(/^requests\b/m);
  });
});

describe('the operations template', () => {
  it('e-mails every alert to the address given as a parameter', () => {
    expect(operationsBicep).toContain('param alertEmailAddress string');
    expect(operationsBicep).toContain('emailAddress: alertEmailAddress');
    expect(operationsBicep).toContain('actions: { actionGroups: [actionGroup.id] }');
    expect(operationsBicep).toContain("'Microsoft.Insights/workbooks@");
    expect(operationsBicep).toContain('serializedData: string(workbookContent)');
  });
});
