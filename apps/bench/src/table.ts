import { round } from './stats.js';

/** A table cell: numbers are rounded for display, `undefined` prints as `-`. */
export type Cell = string | number | boolean | undefined;

/** Prints a titled table with aligned columns (numbers right-aligned) to stdout. */
export function printTable(
  title: string,
  header: readonly string[],
  rows: readonly (readonly Cell[])[],
): void {
  const text = rows.map((row) => row.map(formatCell));
  const widths = header.map((h, i) =>
    Math.max(h.length, ...text.map((row) => (row[i] ?? '').length)),
  );
  const line = (cells: readonly string[], numeric: readonly boolean[]) =>
    cells
      .map((cell, i) => (numeric[i] ? cell.padStart(widths[i] ?? 0) : cell.padEnd(widths[i] ?? 0)))
      .join('  ')
      .trimEnd();
  const numericCols = header.map(
    (_, i) =>
      rows.length > 0 && rows.every((row) => typeof row[i] === 'number' || row[i] === undefined),
  );
  console.log(`\n## ${title}`);
  console.log(line(header, numericCols));
  console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  for (const row of text) console.log(line(row, numericCols));
}

/** Prints one indented note line under a table. */
export function note(text: string): void {
  console.log(`   ${text}`);
}

function formatCell(cell: Cell): string {
  if (cell === undefined) return '-';
  if (typeof cell === 'number') return String(round(cell));
  return String(cell);
}
