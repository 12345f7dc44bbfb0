/** Markdown tables and number formats shared by the report's tables and its analysis, so both read alike. */

export function table(header: string[], rows: Array<Array<string | number>>): string {
  const line = (cells: Array<string | number>) => `| ${cells.join(' | ')} |`;
  return [line(header), line(header.map(() => '---')), ...rows.map(line)].join('\n');
}

export const n = (value: number) => value.toLocaleString('en-US');
export const kb = (bytes: number) => `${(bytes / 1024).toFixed(0)} KB`;
