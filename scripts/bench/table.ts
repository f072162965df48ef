/** The benchmark's one table: rows grouped by section, printed as Markdown so docs/performance.md can hold it as is. */
export interface Row {
  section: string;
  what: string;
  figure: string;
  detail: string;
}

export class Table {
  readonly rows: Row[] = [];

  add(section: string, what: string, figure: string, detail = ''): void {
    this.rows.push({ section, what, figure, detail });
  }

  render(): string {
    const cell = (s: string) => s.replace(/\|/g, '\\|').replace(/\n/g, ' ');
    const head = ['section', 'measure', 'figure', 'detail'];
    const body = this.rows.map((r) => [r.section, r.what, r.figure, r.detail].map(cell));
    const widths = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i].length)));
    const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i])).join(' | ')} |`;
    return [line(head), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...body.map(line)].join('\n') + '\n';
  }
}
