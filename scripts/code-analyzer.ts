/**
 * Salesforce Code Analyzer over the SFDX package, offline: code-analyzer-core with the PMD (+ CPD), ESLint and
 * regex engines, run as a library because the `sf code-analyzer` plugin cannot be installed from the npm
 * registry alone. Fails (exit 1) on any violation at or above the severity threshold: 1 Critical, 2 High by default.
 *
 *   npm run analyze                                   # force-app, Recommended rules, fail on severity 1-2
 *   npm run analyze -- --threshold 3                  # also fail on Moderate
 *   npm run analyze -- --output code-analyzer.sarif   # write SARIF (or .json/.html/.csv/.xml) as well
 *   npm run analyze -- --engines eslint,regex force-app/main/default/lwc
 *
 * PMD needs `java` (11 or later) on PATH; without it the PMD engine is reported and skipped unless --require-java.
 */
import path from 'node:path';
import fs from 'node:fs';
import { execFileSync } from 'node:child_process';
import {
  CodeAnalyzer,
  CodeAnalyzerConfig,
  EventType,
  LogLevel,
  OutputFormat,
  SeverityLevel,
  type LogEvent,
  type Violation
} from '@salesforce/code-analyzer-core';
import * as pmdEngine from '@salesforce/code-analyzer-pmd-engine';
import * as eslintEngine from '@salesforce/code-analyzer-eslint-engine';
import * as regexEngine from '@salesforce/code-analyzer-regex-engine';

export interface AnalyzeOptions {
  /** Files and folders to analyse, relative to cwd. */
  targets: string[];
  /** Rule selectors, as in `sf code-analyzer run --rule-selector`. */
  selectors?: string[];
  /** Violations with severity <= threshold fail the run. */
  threshold?: SeverityLevel;
  /** Engine plugins to load: pmd (also cpd), eslint, regex. */
  engines?: Array<'pmd' | 'eslint' | 'regex'>;
  /** Where to write a report; the format follows the extension. */
  output?: string;
  /** Glob patterns of files to skip. */
  ignore?: string[];
  cwd?: string;
}

export const DEFAULT_IGNORES = ['**/__tests__/**', '**/node_modules/**', '**/.sfdx/**', '**/.sf/**'];

export interface Finding {
  severity: SeverityLevel;
  engine: string;
  rule: string;
  file: string;
  line?: number;
  column?: number;
  message: string;
}

export interface AnalyzeResult {
  findings: Finding[];
  failing: Finding[];
  engines: string[];
  skipped: string[];
  ruleCount: number;
}

const FORMATS: Record<string, OutputFormat> = {
  '.sarif': OutputFormat.SARIF,
  '.json': OutputFormat.JSON,
  '.html': OutputFormat.HTML,
  '.csv': OutputFormat.CSV,
  '.xml': OutputFormat.XML
};

export function hasJava(): boolean {
  try {
    execFileSync('java', ['-version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

export function toFinding(v: Violation, cwd: string): Finding {
  const loc = v.getPrimaryLocation();
  const file = loc.getFile();
  return {
    severity: v.getRule().getSeverityLevel(),
    engine: v.getRule().getEngineName(),
    rule: v.getRule().getName(),
    file: file ? path.relative(cwd, file) : '(project)',
    line: loc.getStartLine(),
    column: loc.getStartColumn(),
    message: v.getMessage()
  };
}

export async function analyze(options: AnalyzeOptions): Promise<AnalyzeResult> {
  const cwd = options.cwd ?? process.cwd();
  const threshold = options.threshold ?? SeverityLevel.High;
  const wanted = options.engines ?? ['pmd', 'eslint', 'regex'];
  const skipped: string[] = [];

  // Tests are not deployed (.forceignore) and use wire adapters the way only sfdx-lwc-jest allows.
  const config = CodeAnalyzerConfig.fromObject(
    { log_level: LogLevel.Error, ignores: { files: options.ignore ?? DEFAULT_IGNORES } },
    cwd
  );
  const analyzer = new CodeAnalyzer(config);
  const errors: string[] = [];
  analyzer.onEvent(EventType.LogEvent, (e: LogEvent) => {
    if (e.logLevel <= LogLevel.Error) errors.push(e.message);
  });

  if (wanted.includes('pmd')) {
    if (hasJava()) await analyzer.addEnginePlugin(pmdEngine.createEnginePlugin());
    else skipped.push('pmd (no java on PATH)');
  }
  if (wanted.includes('eslint')) await analyzer.addEnginePlugin(eslintEngine.createEnginePlugin());
  if (wanted.includes('regex')) await analyzer.addEnginePlugin(regexEngine.createEnginePlugin());

  const workspace = await analyzer.createWorkspace(options.targets.map((t) => path.resolve(cwd, t)));
  const selection = await analyzer.selectRules(options.selectors ?? ['Recommended'], { workspace });
  const results = await analyzer.run(selection, { workspace });

  if (options.output) {
    const format = FORMATS[path.extname(options.output).toLowerCase()];
    if (!format) throw new Error(`unknown report format for ${options.output}; use .sarif, .json, .html, .csv or .xml`);
    fs.writeFileSync(path.resolve(cwd, options.output), results.toFormattedOutput(format));
  }

  const findings = results
    .getViolations()
    .map((v) => toFinding(v, cwd))
    .sort((a, b) => a.severity - b.severity || a.file.localeCompare(b.file) || (a.line ?? 0) - (b.line ?? 0));
  if (errors.length && results.getEngineNames().length === 0) {
    throw new Error(`no engine ran:\n${errors.join('\n')}`);
  }
  return {
    findings,
    failing: findings.filter((f) => f.severity <= threshold),
    engines: results.getEngineNames(),
    skipped,
    ruleCount: selection.getCount()
  };
}

const SEVERITY_NAMES: Record<number, string> = { 1: 'Critical', 2: 'High', 3: 'Moderate', 4: 'Low', 5: 'Info' };

export function formatFinding(f: Finding): string {
  const where = f.line ? `${f.file}:${f.line}:${f.column ?? 1}` : f.file;
  return `${SEVERITY_NAMES[f.severity] ?? f.severity}  ${where}  ${f.engine}/${f.rule}  ${f.message}`;
}

export function parseArgs(argv: string[]): AnalyzeOptions & { requireJava: boolean } {
  const options: AnalyzeOptions & { requireJava: boolean } = { targets: [], requireJava: false };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const next = () => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${arg} needs a value`);
      return v;
    };
    if (arg === '--threshold') options.threshold = Number(next()) as SeverityLevel;
    else if (arg === '--output') options.output = next();
    else if (arg === '--rules') options.selectors = next().split(',');
    else if (arg === '--engines') options.engines = next().split(',') as AnalyzeOptions['engines'];
    else if (arg === '--require-java') options.requireJava = true;
    else if (arg.startsWith('--')) throw new Error(`unknown option ${arg}`);
    else options.targets.push(arg);
  }
  if (options.targets.length === 0) options.targets = ['force-app'];
  if (options.threshold !== undefined && !(options.threshold >= 1 && options.threshold <= 5))
    throw new Error('--threshold must be 1 (Critical) to 5 (Info)');
  return options;
}

async function main(): Promise<number> {
  const options = parseArgs(process.argv.slice(2));
  if (options.requireJava && !hasJava()) {
    console.error('code-analyzer: java is required for the PMD engine and was not found on PATH');
    return 2;
  }
  const started = Date.now();
  const result = await analyze(options);
  const threshold = options.threshold ?? SeverityLevel.High;
  for (const f of result.findings) console.log(formatFinding(f));
  for (const s of result.skipped) console.warn(`code-analyzer: skipped ${s}`);
  const bySeverity = [1, 2, 3, 4, 5]
    .map((s) => [SEVERITY_NAMES[s], result.findings.filter((f) => f.severity === s).length] as const)
    .filter(([, n]) => n > 0)
    .map(([name, n]) => `${n} ${name}`);
  console.log(
    `code-analyzer: ${result.ruleCount} rules from ${result.engines.join(', ')} over ${options.targets.join(' ')} in ` +
      `${((Date.now() - started) / 1000).toFixed(1)}s: ${result.findings.length} violations` +
      (bySeverity.length ? ` (${bySeverity.join(', ')})` : '')
  );
  if (result.failing.length) {
    console.error(
      `code-analyzer: ${result.failing.length} violations at severity ${threshold} (${SEVERITY_NAMES[threshold]}) or worse`
    );
    return 1;
  }
  return 0;
}

if (require.main === module) {
  main().then(
    (code) => process.exit(code),
    (e: Error) => {
      console.error(`code-analyzer: ${e.message}`);
      process.exit(2);
    }
  );
}
