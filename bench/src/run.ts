import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { type BenchRow, type BenchSuite, createContext, judge, printRows } from './harness.ts';

// pnpm bench [--quick] [--json FILE] [name-filter ...]
const args = process.argv.slice(2);
const quick = args.includes('--quick');
const jsonIndex = args.indexOf('--json');
const jsonFile = jsonIndex >= 0 ? args[jsonIndex + 1] : undefined;
const filters = args.filter((arg, index) => !arg.startsWith('--') && (jsonIndex < 0 || index !== jsonIndex + 1));

const here = dirname(fileURLToPath(import.meta.url));
const suiteDir = join(here, 'suites');
const files = readdirSync(suiteDir)
  .filter((file) => file.endsWith('.bench.ts'))
  .filter((file) => filters.length === 0 || filters.some((filter) => file.includes(filter)))
  .sort();

if (!(globalThis as { gc?: unknown }).gc) console.warn('Run with --expose-gc for memory figures (pnpm bench does).');

const results: Array<{ suite: string; rows: Array<BenchRow & { ratio?: number; verdict: string }> }> = [];
for (const file of files) {
  const suite = (await import(pathToFileURL(join(suiteDir, file)).href)).default as BenchSuite;
  const rows: BenchRow[] = [];
  try {
    await suite.run(createContext(rows, quick));
  } catch (error) {
    console.error(`suite ${suite.name} failed:`, error);
    process.exitCode = 1;
  }
  printRows(suite.name, rows);
  results.push({ suite: suite.name, rows: rows.map((row) => ({ ...row, ...judge(row) })) });
}

const output = {
  at: new Date().toISOString(),
  node: process.version,
  cpus: (await import('node:os')).cpus().length,
  quick,
  results,
};
const target = jsonFile ?? join(here, '..', 'results', `bench-${output.at.replaceAll(':', '-')}.json`);
mkdirSync(dirname(target), { recursive: true });
writeFileSync(target, `${JSON.stringify(output, null, 2)}\n`);
console.log(`\nResults written to ${target}`);
