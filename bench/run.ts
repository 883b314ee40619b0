/**
 * Runs every benchmark in turn, prints the table and writes BENCHMARKS.md.
 *
 * Usage: `node --import tsx bench/run.ts [NAME...]`, where NAME picks benchmarks by the names
 * below (all when none is given). BENCHMARKS.md is written only when all of them ran.
 */
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { measureActivation } from './activation';
import { measureCertificateScan } from './certificateScan';
import { measureFlowOverhead } from './flowOverhead';
import { measureInspectorRendering } from './inspectorRendering';
import type { Figure } from './lib/figure';
import { machineFacts, printFigures, renderBenchmarksPage, REPOSITORY_ROOT } from './lib/report';
import { measureTokenVerification } from './tokenVerification';

const BENCHMARKS: Record<string, () => Promise<Figure[]>> = {
  flowOverhead: measureFlowOverhead,
  activation: measureActivation,
  certificateScan: measureCertificateScan,
  tokenVerification: measureTokenVerification,
  inspectorRendering: measureInspectorRendering,
};

async function main(): Promise<void> {
  const requested = process.argv.slice(2);
  const unknown = requested.filter((name) => !(name in BENCHMARKS));
  if (unknown.length > 0) {
    throw new Error(
      `Unknown benchmark ${unknown.join(', ')}; expected one of ${Object.keys(BENCHMARKS).join(', ')}.`,
    );
  }
  const names = requested.length > 0 ? requested : Object.keys(BENCHMARKS);
  const figures: Figure[] = [];
  for (const name of names) {
    const started = performance.now();
    process.stderr.write(`[bench] ${name} started\n`);
    figures.push(...(await BENCHMARKS[name]!()));
    const seconds = ((performance.now() - started) / 1000).toFixed(1);
    process.stderr.write(`[bench] ${name} finished in ${seconds} s\n`);
  }
  printFigures(figures);

  if (names.length === Object.keys(BENCHMARKS).length) {
    const page = path.join(REPOSITORY_ROOT, 'BENCHMARKS.md');
    await writeFile(page, renderBenchmarksPage(figures, machineFacts(), new Date()));
    process.stdout.write(`\nWrote ${page}\n`);
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : error}\n`);
  process.exitCode = 1;
});
