import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { analyze, formatFinding, hasJava, parseArgs } from './code-analyzer';

function fixture(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'code-analyzer-'));
  const write = (rel: string, text: string) => {
    fs.mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
    fs.writeFileSync(path.join(dir, rel), text);
  };
  write(
    'force-app/lwc/bad/bad.js',
    [
      "import { LightningElement } from 'lwc';",
      'export default class Bad extends LightningElement {',
      '  renderedCallback() {',
      "    this.template.querySelector('div').innerHTML = '<b>hi</b>';",
      '  }',
      '}',
      ''
    ].join('\n')
  );
  write('force-app/lwc/bad/bad.html', '<template><div></div></template>\n');
  // Ignored by default: tests are not deployed.
  write('force-app/lwc/bad/__tests__/bad.test.js', "const unused = 1;\nconsole.log('x');\n");
  write(
    'force-app/classes/Bad.cls',
    [
      'public class Bad {',
      '    public static void run() {',
      '        for (Account a : [SELECT Id FROM Account]) {',
      '            update a;',
      '        }',
      '    }',
      '}',
      ''
    ].join('\n')
  );
  return dir;
}

describe('code-analyzer script', () => {
  it('parses targets, threshold, engines and report path', () => {
    expect(parseArgs([])).toEqual(expect.objectContaining({ targets: ['force-app'] }));
    expect(
      parseArgs(['--threshold', '3', '--engines', 'eslint,regex', '--output', 'r.sarif', 'force-app/main/default/lwc'])
    ).toEqual(
      expect.objectContaining({
        targets: ['force-app/main/default/lwc'],
        threshold: 3,
        engines: ['eslint', 'regex'],
        output: 'r.sarif'
      })
    );
    expect(() => parseArgs(['--threshold', '9'])).toThrow('--threshold');
    expect(() => parseArgs(['--bogus'])).toThrow('unknown option');
  });

  it('formats a finding as severity, location, rule and message', () => {
    expect(
      formatFinding({
        severity: 2,
        engine: 'eslint',
        rule: 'no-unused-vars',
        file: 'a.js',
        line: 3,
        column: 7,
        message: 'x'
      })
    ).toBe('High  a.js:3:7  eslint/no-unused-vars  x');
  });

  it('fails on high-severity findings, skips tests, and writes a SARIF report', async () => {
    const dir = fixture();
    const result = await analyze({ targets: ['force-app'], cwd: dir, output: 'report.sarif' });

    const rules = result.failing.map((f) => `${f.engine}/${f.rule}`);
    expect(rules).toContain('eslint/@lwc/lwc/no-inner-html');
    if (hasJava()) {
      expect(result.engines).toContain('pmd');
      expect(rules).toContain('pmd/ApexCRUDViolation');
    } else {
      expect(result.skipped).toEqual(['pmd (no java on PATH)']);
    }
    expect(result.failing.every((f) => f.severity <= 2)).toBe(true);
    expect(result.findings.some((f) => f.file.includes('__tests__'))).toBe(false);
    const inner = result.failing.find((f) => f.rule === '@lwc/lwc/no-inner-html')!;
    expect(inner.file).toBe(path.join('force-app', 'lwc', 'bad', 'bad.js'));
    expect(inner.line).toBe(4);

    const sarif = JSON.parse(fs.readFileSync(path.join(dir, 'report.sarif'), 'utf8'));
    expect(sarif.version).toBe('2.1.0');
    fs.rmSync(dir, { recursive: true, force: true });
  }, 120_000);
});
