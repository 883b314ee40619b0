import { readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { formatFigureValue, formatGoal, meetsGoal, renderTable, type Figure } from './figure';

export const REPOSITORY_ROOT = path.resolve(import.meta.dirname, '../..');

/** Packages whose versions decide the numbers: the engine's dependencies and the test tools. */
const MEASURED_PACKAGES = [
  'undici',
  'jose',
  'oauth4webapi',
  'oidc-provider',
  'esbuild',
  'playwright-core',
  'tsx',
];

/** Facts about the machine and software a run was made on. */
export interface MachineFacts {
  cpu: string;
  cores: number;
  memory: string;
  platform: string;
  node: string;
  packages: Record<string, string>;
}

function installedVersion(name: string): string {
  try {
    const manifest = path.join(REPOSITORY_ROOT, 'node_modules', name, 'package.json');
    return (JSON.parse(readFileSync(manifest, 'utf8')) as { version: string }).version;
  } catch {
    return 'not installed';
  }
}

export function machineFacts(): MachineFacts {
  const cpus = os.cpus();
  return {
    cpu: cpus[0]?.model.trim() ?? 'unknown',
    cores: cpus.length,
    memory: `${(os.totalmem() / 1024 ** 3).toFixed(1)} GiB`,
    platform: `${os.type()} ${os.release()} ${os.arch()}`,
    node: process.version,
    packages: Object.fromEntries(MEASURED_PACKAGES.map((name) => [name, installedVersion(name)])),
  };
}

/** Prints the table, then each figure's method and note, for a terminal. */
export function printFigures(figures: readonly Figure[]): void {
  process.stdout.write(`\n${renderTable(figures)}\n\n`);
  for (const figure of figures) {
    process.stdout.write(`- ${figure.name}: ${figure.method}\n`);
    if (figure.note) process.stdout.write(`  Note: ${figure.note}\n`);
  }
}

function goalLine(figure: Figure): string {
  const value = formatFigureValue(figure);
  if (meetsGoal(figure)) return `met (${value}, goal ${formatGoal(figure)})`;
  return `missed (${value}, goal ${formatGoal(figure)})`;
}

/** Renders BENCHMARKS.md: the machine, the table, and one line per figure on its method. */
export function renderBenchmarksPage(
  figures: readonly Figure[],
  facts: MachineFacts,
  date: Date,
): string {
  const packages = Object.entries(facts.packages)
    .map(([name, version]) => `${name} ${version}`)
    .join(', ');
  const methods = figures.map((figure) => {
    const note = figure.note ? ` ${figure.note}` : '';
    return `- **${figure.name}**, ${goalLine(figure)}: ${figure.method}${note}`;
  });
  return [
    '# Benchmarks',
    '',
    'Produced by `node --import tsx bench/run.ts`, which runs every script in `bench/` and',
    'overwrites this page. Each figure is a ratio against a baseline measured in the same run, or a',
    'count or size held to a fixed limit, so the values compare across machines better than the',
    'absolute times in the last column do. Each script also runs alone, for example',
    '`node --import tsx bench/flowOverhead.ts`.',
    '',
    '## Machine',
    '',
    `- CPU: ${facts.cpu}, ${facts.cores} cores`,
    `- Memory: ${facts.memory}`,
    `- System: ${facts.platform}`,
    `- Node: ${facts.node}`,
    `- Packages: ${packages}`,
    `- Date: ${date.toISOString()}`,
    '',
    'Other work ran on the same machine at the same time, so baseline and candidate rounds are',
    'interleaved and every figure uses medians.',
    '',
    '## Results',
    '',
    renderTable(figures),
    '',
    '## What each figure measures',
    '',
    ...methods,
    '',
  ].join('\n');
}

/**
 * Runs a bench script's measurement when the script is the process's entry point, prints its
 * figures, and sets a failing exit code when the measurement throws. A missed goal is not a
 * failure: benchmarks report, they do not assert.
 */
export function runWhenMain(moduleFile: string, measure: () => Promise<Figure[]>): void {
  if (moduleFile !== process.argv[1]) return;
  measure().then(printFigures, (error: unknown) => {
    process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : error}\n`);
    process.exitCode = 1;
  });
}
