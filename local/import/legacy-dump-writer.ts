/**
 * Writes a database of the old system as `mysqldump`/`mariadb-dump` would, filled the way its web UI
 * fills it in use: answers keyed by the task's position in the form, lower-case audit columns, one
 * row per INSERT, and MariaDB's sandbox-mode first line. The import tests and the import benchmark
 * read it; the shape of what the old UI stores is exactly what a customer's dump will hold.
 */

export interface LegacyDumpSize {
  labs: number;
  machinesPerLab: number;
  /** Days of daily records, counting back from `lastDay`. */
  days: number;
  lastDay: string;
}

export interface LegacyDump {
  sql: string;
  /** For every completed record: the task texts of its form at the positions it was answered, in order. */
  answeredTasks: Map<string, string[]>;
  auditEvents: { eventId: number; scope: string; eventType: string; initiatedBy: string; initiatedDate: string; details: string }[];
}

const frequencies = ['Daily', 'Weekly', 'Monthly', 'Quarterly', 'Annual'] as const;
type Frequency = (typeof frequencies)[number];

/** Three models whose forms number their tasks from different PM_form ids, so ids and positions differ. */
const models: { model: string; manufacturer: string; equipmentClass: string; forms: Partial<Record<Frequency, string[]>> }[] = [
  {
    model: 'Alpha Mill',
    manufacturer: 'Vortek',
    equipmentClass: 'Mill',
    forms: { Daily: ['Wipe the table', 'Check the coolant', 'Empty the chip tray'], Weekly: ['Clean the filters', 'Inspect the belts'] },
  },
  {
    model: 'Beta Oven',
    manufacturer: 'Kilnworks',
    equipmentClass: 'Sinter Oven',
    forms: { Daily: ['Check the door seal', 'Read the chamber log'], Monthly: ['Test the thermocouple', 'Vacuum the insulation', 'Check the interlock'] },
  },
  {
    model: 'Gamma Printer',
    manufacturer: 'Layerly',
    equipmentClass: '3D Printer',
    forms: { Daily: ['Clean the build plate'], Weekly: ['Lubricate the rails', 'Check the resin tank'] },
  },
];

const quote = (value: string | number | null): string =>
  value === null ? 'NULL' : typeof value === 'number' ? String(value) : `'${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
const dayOf = (day: number): string => new Date(day * 86_400_000).toISOString().slice(0, 10);

function insert(table: string, values: (string | number | null)[]): string {
  return `INSERT INTO \`${table}\` VALUES (${values.map(quote).join(',')});`;
}

export function writeLegacyDump(size: LegacyDumpSize): LegacyDump {
  const lines: string[] = [
    '/*M!999999\\- enable the sandbox mode */ ',
    '-- MariaDB dump 10.19  Distrib 10.11.6-MariaDB, for debian-linux-gnu (x86_64)',
    '/*!40101 SET NAMES utf8mb4 */;',
    'CREATE TABLE `Labs` (`labid` varchar(5) NOT NULL, `labname` varchar(255) NOT NULL, PRIMARY KEY (`labid`));',
    'CREATE TABLE `EquipClass` (`equipment_class` varchar(50) NOT NULL, PRIMARY KEY (`equipment_class`));',
    'CREATE TABLE `EquipModels` (`model` varchar(50) NOT NULL, `manufacturer` varchar(50) NOT NULL, `equipment_class` varchar(50) NOT NULL, `pm_req_daily` tinyint(1) DEFAULT 0, `pm_req_weekly` tinyint(1) DEFAULT 0, `pm_req_monthly` tinyint(1) DEFAULT 0, `pm_req_quarterly` tinyint(1) DEFAULT 0, `pm_req_annual` tinyint(1) DEFAULT 0, `modelactive` tinyint(1) DEFAULT 1, PRIMARY KEY (`model`));',
    'CREATE TABLE `PM_form` (`id` int(11) NOT NULL AUTO_INCREMENT, `model` varchar(50) NOT NULL, `frequency` char(10) NOT NULL, `form_order` int(11) NOT NULL, `task` longtext NOT NULL, PRIMARY KEY (`id`));',
    "CREATE TABLE `EquipByLab` (`serial_num` varchar(30) NOT NULL, `model` varchar(50) NOT NULL, `created_date` date DEFAULT NULL, `labid` varchar(5) DEFAULT NULL, `equipstatus` varchar(50) DEFAULT 'In Service', PRIMARY KEY (`serial_num`));",
    "CREATE TABLE `Users` (`id` int(11) NOT NULL AUTO_INCREMENT, `username` varchar(100) NOT NULL, `password_hash` varchar(255) NOT NULL, `createddate` datetime(3) DEFAULT NULL, `lastlogindate` datetime(3) DEFAULT NULL, `primarylab` varchar(5) DEFAULT NULL, `firstname` varchar(50) DEFAULT NULL, `lastname` varchar(50) DEFAULT NULL, `userstatus` varchar(20) DEFAULT 'Active', `require_pwd_chg` tinyint(1) NOT NULL DEFAULT 0, `last_pwd_chg` date DEFAULT NULL, PRIMARY KEY (`id`));",
    'CREATE TABLE `UsersLabAccess` (`username` varchar(100) NOT NULL, `lab_access` varchar(5) NOT NULL, `access_level` varchar(50) NOT NULL, `granteddate` datetime(3) DEFAULT NULL);',
    "CREATE TABLE `Records` (`record_num` varchar(20) NOT NULL, `serial_num` varchar(30) NOT NULL, `frequency` char(10) DEFAULT NULL, `record_status` varchar(20) NOT NULL DEFAULT 'Created', `labid` varchar(5) NOT NULL, `createddate` datetime(3) DEFAULT current_timestamp(3), `completedate` datetime(3) DEFAULT NULL, `completedby` varchar(100) DEFAULT NULL, `due_date_start` date DEFAULT NULL, `due_date_end` date DEFAULT NULL, PRIMARY KEY (`record_num`));",
    'CREATE TABLE `PM_Response` (`responseid` int(11) NOT NULL AUTO_INCREMENT, `record_num` varchar(20) NOT NULL, `id` int(11) DEFAULT NULL, `response` tinyint(1) DEFAULT 0, `createddate` datetime(3) DEFAULT current_timestamp(3), PRIMARY KEY (`responseid`));',
    'CREATE TABLE `emsAudit` (`eventid` int(11) NOT NULL AUTO_INCREMENT, `scope` varchar(50) DEFAULT NULL, `eventtype` varchar(100) DEFAULT NULL, `initiatedby` varchar(100) DEFAULT NULL, `initiateddate` datetime(3) DEFAULT NULL, `eventdetails` longtext DEFAULT NULL, PRIMARY KEY (`eventid`));',
  ];
  const labIds = Array.from({ length: size.labs }, (_, index) => `LAB${String(index + 1).padStart(2, '0')}`);
  labIds.forEach((labId, index) => lines.push(insert('Labs', [labId, `Site ${index + 1}`])));
  for (const name of new Set(models.map((model) => model.equipmentClass))) lines.push(insert('EquipClass', [name]));
  let formId = 0;
  // Forms are written model by model, so each model's tasks start at a later PM_form id than position 1.
  for (const model of models) {
    const flags = frequencies.map((frequency) => (model.forms[frequency] ? 1 : 0));
    lines.push(insert('EquipModels', [model.model, model.manufacturer, model.equipmentClass, ...flags, 1]));
    for (const frequency of frequencies)
      (model.forms[frequency] ?? []).forEach((task, index) => lines.push(insert('PM_form', [++formId, model.model, frequency, index + 1, task])));
  }
  const users = labIds.map((labId, index) => ({ username: `tech${index + 1}`, labId }));
  lines.push(
    insert('Users', [1, 'admin.ops', 'scrypt:32768:8:1$00$00', '2025-01-01 08:00:00.000', null, labIds[0]!, 'Ops', 'Admin', 'Active', 0, '2026-01-01']),
  );
  lines.push(insert('UsersLabAccess', ['admin.ops', labIds[0]!, 'Administrator', '2025-01-01 08:00:00.000']));
  users.forEach((user, index) => {
    lines.push(
      insert('Users', [
        index + 2,
        user.username,
        'scrypt:32768:8:1$00$00',
        '2025-01-01 08:00:00.000',
        null,
        user.labId,
        'Tech',
        `Number ${index + 1}`,
        'Active',
        0,
        '2026-01-01',
      ]),
    );
    lines.push(insert('UsersLabAccess', [user.username, user.labId, 'Technician', '2025-01-01 08:00:00.000']));
  });

  const answeredTasks = new Map<string, string[]>();
  const last = Date.parse(`${size.lastDay}T00:00:00Z`) / 86_400_000;
  let responseId = 0;
  labIds.forEach((labId, labIndex) => {
    let recordNumber = 0;
    for (let machine = 0; machine < size.machinesPerLab; machine++) {
      const model = models[machine % models.length]!;
      const serial = `${labId}-SN-${String(machine).padStart(4, '0')}`;
      lines.push(insert('EquipByLab', [serial, model.model, '2025-01-01', labId, 'In Service']));
      const form = model.forms.Daily;
      if (!form) continue;
      for (let day = last - size.days + 1; day <= last; day++) {
        const number = `${labId}${String(++recordNumber).padStart(6, '0')}`;
        const completed = (day + machine) % 4 !== 0;
        const date = dayOf(day);
        lines.push(
          insert('Records', [
            number,
            serial,
            'Daily',
            completed ? 'Complete' : 'Created',
            labId,
            `${date} 02:30:00.000`,
            completed ? `${date} 15:00:00.000` : null,
            completed ? users[labIndex]!.username : null,
            date,
            date,
          ]),
        );
        if (!completed) continue;
        // A technician may skip a task: the UI then stores no answer for that position.
        const positions = form.map((_, index) => index + 1).filter((position) => position === 1 || (day + position) % 3 !== 0);
        for (const position of positions) lines.push(insert('PM_Response', [++responseId, number, position, 1, `${date} 15:00:00.000`]));
        answeredTasks.set(
          number,
          positions.map((position) => form[position - 1]!),
        );
      }
    }
  });

  const auditEvents = [
    {
      eventId: 1,
      scope: 'User',
      eventType: 'New User',
      initiatedBy: 'admin.ops',
      initiatedDate: '2025-08-01 09:00:00.000',
      details: 'Created user tech1 at LAB01 as Technician',
    },
    {
      eventId: 2,
      scope: 'User',
      eventType: 'Account Locked',
      initiatedBy: 'tech1',
      initiatedDate: '2025-10-01 07:59:12.000',
      details: 'tech1 locked after 3 failed logins',
    },
    {
      eventId: 3,
      scope: 'Equipment',
      eventType: 'Status Change',
      initiatedBy: 'admin.ops',
      initiatedDate: '2025-10-02 10:15:00.000',
      details: "LAB01-SN-0000 changed from 'In Service' to 'Repair onsite'",
    },
  ];
  for (const event of auditEvents)
    lines.push(insert('emsAudit', [event.eventId, event.scope, event.eventType, event.initiatedBy, event.initiatedDate, event.details]));
  lines.push('-- Dump completed on 2026-11-30 23:00:00');
  return { sql: `${lines.join('\n')}\n`, answeredTasks, auditEvents };
}
