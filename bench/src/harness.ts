import { execFileSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';

/** One printed row: a measured figure, optionally against a baseline measured in the same run. */
export interface BenchRow {
  /** What was measured, e.g. `tell, 1 actor`. */
  name: string;
  /** The figure for Troupe. */
  value: number;
  unit: string;
  /** The baseline's figure in the same unit, measured in the same run. */
  baseline?: { name: string; value: number };
  /**
   * The target, as a ratio of value / baseline (or of value alone when there is no baseline):
   * `{ max: 1.5 }` means value must be at most 1.5x the baseline; `{ min: 20 }` at least 20x.
   */
  target?: { max?: number; min?: number; note?: string };
  /** Set when lower is better is wrong (throughput). Default: lower is better. */
  higherIsBetter?: boolean;
}

/** What a suite gets to report with. */
export interface BenchContext {
  /** Records a row (printed at the end of the suite, and saved to the JSON results). */
  row(row: BenchRow): void;
  /** Times `fn` (called `iterations` times per sample) and returns nanoseconds per iteration (median of samples). */
  timePerOp(fn: () => unknown, options?: TimeOptions): number;
  /** Async variant of {@link BenchContext.timePerOp}: awaits each call. */
  timePerOpAsync(fn: () => Promise<unknown>, options?: TimeOptions): Promise<number>;
  /**
   * Times a baseline and a subject in alternating samples (which goes first alternates too), so
   * both run under the same heap, JIT and machine load; nanoseconds per call, median of each.
   */
  compareAsync(
    sides: { baseline: () => Promise<unknown>; subject: () => Promise<unknown> },
    options?: TimeOptions,
  ): Promise<{ baseline: number; subject: number }>;
  /** Heap used after a full GC (needs `--expose-gc`). */
  heapUsed(): number;
  /** True when run with `--quick` (CI smoke): suites should cut iteration counts. */
  quick: boolean;
}

export interface TimeOptions {
  iterations?: number;
  samples?: number;
  warmup?: number;
}

/** A benchmark suite: one file in `src/suites/`, default-exported. */
export interface BenchSuite {
  name: string;
  run(context: BenchContext): Promise<void> | void;
}

/** The median of `values` (the upper one of an even count). */
export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
}

export function gc(): void {
  const collect = (globalThis as { gc?: () => void }).gc;
  if (collect) {
    collect();
    collect();
  }
}

export function createContext(rows: BenchRow[], quick: boolean): BenchContext {
  return {
    quick,
    row: (row) => rows.push(row),
    heapUsed() {
      gc();
      return process.memoryUsage().heapUsed;
    },
    timePerOp(fn, options = {}) {
      const iterations = options.iterations ?? 10_000;
      const samples = options.samples ?? 7;
      for (let index = 0; index < (options.warmup ?? iterations); index++) fn();
      const results: number[] = [];
      for (let sample = 0; sample < samples; sample++) {
        const start = performance.now();
        for (let index = 0; index < iterations; index++) fn();
        results.push(((performance.now() - start) * 1e6) / iterations);
      }
      return median(results);
    },
    async timePerOpAsync(fn, options = {}) {
      const iterations = options.iterations ?? 10_000;
      const samples = options.samples ?? 7;
      for (let index = 0; index < (options.warmup ?? iterations); index++) await fn();
      const results: number[] = [];
      for (let sample = 0; sample < samples; sample++) {
        const start = performance.now();
        for (let index = 0; index < iterations; index++) await fn();
        results.push(((performance.now() - start) * 1e6) / iterations);
      }
      return median(results);
    },
    async compareAsync(sides, options = {}) {
      const iterations = options.iterations ?? 10_000;
      const samples = options.samples ?? 7;
      const batch = async (fn: () => Promise<unknown>) => {
        const start = performance.now();
        for (let index = 0; index < iterations; index++) await fn();
        return ((performance.now() - start) * 1e6) / iterations;
      };
      for (let index = 0; index < (options.warmup ?? iterations); index++) {
        await sides.baseline();
        await sides.subject();
      }
      const figures = { baseline: [] as number[], subject: [] as number[] };
      for (let sample = 0; sample < samples; sample++) {
        if (sample % 2 === 0) {
          figures.baseline.push(await batch(sides.baseline));
          figures.subject.push(await batch(sides.subject));
        } else {
          figures.subject.push(await batch(sides.subject));
          figures.baseline.push(await batch(sides.baseline));
        }
      }
      return { baseline: median(figures.baseline), subject: median(figures.subject) };
    },
  };
}

/** The ratio a row is judged by, and whether it meets its target. */
export function judge(row: BenchRow): { ratio: number | undefined; verdict: 'met' | 'missed' | '' } {
  const ratio = row.baseline ? row.value / row.baseline.value : undefined;
  if (!row.target) return { ratio, verdict: '' };
  const measured = ratio ?? row.value;
  const { max, min } = row.target;
  const ok = (max === undefined || measured <= max) && (min === undefined || measured >= min);
  return { ratio, verdict: ok ? 'met' : 'missed' };
}

function format(value: number): string {
  if (!Number.isFinite(value)) return String(value);
  if (Math.abs(value) >= 100) return value.toFixed(0);
  if (Math.abs(value) >= 10) return value.toFixed(1);
  return value.toFixed(2);
}

export function printRows(suite: string, rows: BenchRow[]): void {
  console.log(`\n## ${suite}\n`);
  console.log('| benchmark | troupe | baseline | ratio | target | verdict |');
  console.log('|---|---|---|---|---|---|');
  for (const row of rows) {
    const { ratio, verdict } = judge(row);
    const baseline = row.baseline ? `${format(row.baseline.value)} ${row.unit} (${row.baseline.name})` : '';
    // A target is a ratio when the row has a baseline, and an absolute figure in the row's unit otherwise.
    const suffix = row.baseline ? '×' : ` ${row.unit}`;
    const target = row.target
      ? [
          row.target.max !== undefined ? `≤${row.target.max}${suffix}` : '',
          row.target.min !== undefined ? `≥${row.target.min}${suffix}` : '',
          row.target.note ?? '',
        ]
          .filter(Boolean)
          .join(' ')
      : '';
    console.log(
      `| ${row.name} | ${format(row.value)} ${row.unit} | ${baseline} | ${ratio === undefined ? '' : `${format(ratio)}×`} | ${target} | ${verdict} |`,
    );
  }
}

/**
 * Runs `section` of the suite at `suiteUrl` (its `sections` export) in a fresh Node process with
 * the same flags, and records the rows it reports. For figures that depend on the heap the process
 * carries (GC pauses): they then measure the section's own work, not what earlier sections left.
 */
export function runIsolated(context: BenchContext, suiteUrl: string, section: string): void {
  for (const row of isolatedRows(context, suiteUrl, section)) context.row(row);
}

/** The rows `section` reports when run in a fresh process (see {@link runIsolated}), without recording them. */
export function isolatedRows(context: BenchContext, suiteUrl: string, section: string): BenchRow[] {
  const script = join(dirname(fileURLToPath(import.meta.url)), 'isolated.ts');
  const args = [...process.execArgv, script, fileURLToPath(suiteUrl), section];
  if (context.quick) args.push('--quick');
  const output = execFileSync(process.execPath, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
  const last = output.trimEnd().split('\n').at(-1) ?? '[]';
  return JSON.parse(last) as BenchRow[];
}
