import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { DumpError, parseDump, rowsOf } from './mysql-dump.js';

describe('mysqldump reader', () => {
  it('reads every table of the old system’s dump, with its escapes', () => {
    const tables = parseDump(readFileSync('test/fixtures/legacy-equipmansys.sql', 'utf8'));
    const counts = Object.fromEntries([...tables.values()].map((table) => [table.name, table.rows.length]));
    expect(counts).toMatchObject({
      Labs: 3,
      EquipModels: 6,
      PM_form: 33,
      EquipByLab: 14,
      Users: 7,
      UsersLabAccess: 8,
      Records: 25,
      PM_Response: 40,
      emsAudit: 4,
    });
    const models = rowsOf(tables, 'EquipModels').map(({ row }) => row.model);
    expect(models).toContain('SCN-Desk "Lite"');
    expect(rowsOf(tables, 'Users').find(({ row }) => row.username === 'qa.global')?.row.lastname).toBe("O'Neil");
    expect(rowsOf(tables, 'Users').find(({ row }) => row.username === 'mgarcia')?.row.firstname).toBe('María');
    expect(rowsOf(tables, 'PM_form').find(({ row }) => row.id === 11)?.row.task).toBe("Replace seals; note part numbers, e.g. 'S-12, S-14'");
    expect(rowsOf(tables, 'Records')[0]).toMatchObject({ row: { record_num: 'LAB01000001', completedby: 'jdoe', due_date_end: '2026-10-05' } });
  });

  it('reads real mysqldump framing: conditional comments, LOCK TABLES, backticks, column lists, split inserts', () => {
    const dump = [
      '/*!40101 SET @OLD_CHARACTER_SET_CLIENT=@@CHARACTER_SET_CLIENT */;',
      '-- Table structure for table `Records`',
      'DROP TABLE IF EXISTS `Records`;',
      'CREATE TABLE `Records` (',
      '  `record_num` varchar(20) NOT NULL,',
      "  `note` text DEFAULT 'a, b',",
      '  `amount` decimal(10,2) DEFAULT NULL,',
      '  PRIMARY KEY (`record_num`),',
      '  KEY `idx` (`note`(10))',
      ') ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;',
      'LOCK TABLES `Records` WRITE;',
      '/*!40000 ALTER TABLE `Records` DISABLE KEYS */;',
      "INSERT INTO `Records` VALUES ('LAB011000001','semi; colon\\nnew line',1.50),('LAB01000002','it''s \\\\ back \\\"quoted\\\" ünïcødé',NULL);",
      "INSERT INTO `Records` VALUES ('LAB01000003','/* not a comment */ -- nor this',-2);",
      "INSERT INTO `Records` (`amount`, `record_num`, `note`) VALUES (7,'LAB01000004','by name');",
      'UNLOCK TABLES;',
    ].join('\n');
    const rows = rowsOf(parseDump(dump), 'Records');
    expect(rows.map(({ row }) => row)).toEqual([
      { record_num: 'LAB011000001', note: 'semi; colon\nnew line', amount: 1.5 },
      { record_num: 'LAB01000002', note: 'it\'s \\ back "quoted" ünïcødé', amount: null },
      { record_num: 'LAB01000003', note: '/* not a comment */ -- nor this', amount: -2 },
      { record_num: 'LAB01000004', note: 'by name', amount: 7 },
    ]);
    expect(rows.map(({ line }) => line)).toEqual([13, 13, 14, 15]);
  });

  it('names the table and line of a row it cannot read', () => {
    const dump = "CREATE TABLE Labs (labid varchar(5), labname varchar(255));\nINSERT INTO Labs VALUES ('LAB01','One'),\n('LAB02');";
    expect(() => parseDump(dump)).toThrow(DumpError);
    expect(() => parseDump(dump)).toThrow('line 3 (table Labs): a row has 1 values but the table has 2 columns');
    expect(() => parseDump("INSERT INTO Labs VALUES ('LAB01")).toThrow('a quoted text is never closed');
  });
});
