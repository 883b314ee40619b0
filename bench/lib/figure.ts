/** One measured figure of the benchmark table. */
export interface Figure {
  /** Short name shown in the table, such as `Flow overhead`. */
  name: string;
  /** The measured value; a ratio unless `unit` names another unit. */
  value: number;
  unit: 'ratio' | 'count' | 'bytes';
  /** The goal the value is held to. */
  goal: { comparison: 'at most' | 'at least'; limit: number };
  /** The absolute numbers behind the value, such as `engine 21.3 ms, bare undici 20.1 ms`. */
  detail: string;
  /** One sentence saying what was measured and how. */
  method: string;
  /** Why the goal was missed, or anything else a reader must know to trust the value. */
  note?: string;
}

/** Returns whether a figure meets its goal. */
export function meetsGoal(figure: Figure): boolean {
  if (!Number.isFinite(figure.value)) return false;
  return figure.goal.comparison === 'at most'
    ? figure.value <= figure.goal.limit
    : figure.value >= figure.goal.limit;
}

function formatValue(value: number, unit: Figure['unit']): string {
  if (!Number.isFinite(value)) return 'n/a';
  switch (unit) {
    case 'ratio':
      return `${value.toFixed(2)}×`;
    case 'count':
      return Number.isInteger(value) ? String(value) : value.toFixed(2);
    case 'bytes':
      return `${(value / 1024 / 1024).toFixed(2)} MiB`;
  }
}

/** Formats the goal as `≤ 1.10×` or `≥ 0.90×`. */
export function formatGoal(figure: Figure): string {
  const sign = figure.goal.comparison === 'at most' ? '≤' : '≥';
  return `${sign} ${formatValue(figure.goal.limit, figure.unit)}`;
}

export function formatFigureValue(figure: Figure): string {
  return formatValue(figure.value, figure.unit);
}

/** Renders the figures as a Markdown table, which also reads well in a terminal. */
export function renderTable(figures: readonly Figure[]): string {
  const rows = [
    ['Figure', 'Value', 'Goal', 'Met', 'Measured'],
    ...figures.map((figure) => [
      figure.name,
      formatFigureValue(figure),
      formatGoal(figure),
      meetsGoal(figure) ? 'yes' : 'no',
      figure.detail,
    ]),
  ];
  const widths = rows[0]!.map((_, column) => Math.max(...rows.map((row) => row[column]!.length)));
  const line = (row: string[]) =>
    `| ${row.map((cell, column) => cell.padEnd(widths[column]!)).join(' | ')} |`;
  const separator = `| ${widths.map((width) => '-'.repeat(width)).join(' | ')} |`;
  return [line(rows[0]!), separator, ...rows.slice(1).map(line)].join('\n');
}
