import { pathToFileURL } from 'node:url';
import { type BenchContext, type BenchRow, createContext } from './harness.ts';

// node --expose-gc --import tsx src/isolated.ts SUITE_FILE SECTION [--quick]
// Runs one section of a suite (a function in its `sections` export) in this fresh process and
// prints its rows as JSON on the last line of stdout; see `runIsolated` in harness.ts.
const [file, section] = process.argv.slice(2);
if (file === undefined || section === undefined) throw new Error('usage: isolated.ts SUITE_FILE SECTION [--quick]');
const module = (await import(pathToFileURL(file).href)) as {
  sections?: Record<string, (context: BenchContext) => Promise<void>>;
};
const run = module.sections?.[section];
if (run === undefined) throw new Error(`${file} has no section "${section}" in its \`sections\` export.`);
const rows: BenchRow[] = [];
await run(createContext(rows, process.argv.includes('--quick')));
console.log(JSON.stringify(rows));
