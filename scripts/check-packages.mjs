// Checks what users would install: publint and are-the-types-wrong on every publishable package.
// Needs `pnpm build` first.
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const failures = [];
const folders = readdirSync('packages').filter((folder) => existsSync(join('packages', folder, 'package.json')));
for (const folder of folders) {
  const dir = join('packages', folder);
  const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
  if (pkg.private) continue;
  for (const [tool, args] of [
    ['publint', ['--strict']],
    ['attw', ['--pack', '.', '--profile', 'esm-only', '--format', 'table-flipped']],
  ]) {
    try {
      execFileSync('pnpm', ['exec', tool, ...args], { cwd: dir, stdio: 'pipe', encoding: 'utf8' });
      console.log(`ok   ${tool.padEnd(8)} ${pkg.name}`);
    } catch (error) {
      console.log(`FAIL ${tool.padEnd(8)} ${pkg.name}\n${error.stdout ?? ''}${error.stderr ?? ''}`);
      failures.push(`${tool} ${pkg.name}`);
    }
  }
}
if (failures.length > 0) {
  console.error(`\n${failures.length} package check(s) failed: ${failures.join(', ')}`);
  process.exit(1);
}
console.log(`\nAll ${folders.length} packages pass publint and are-the-types-wrong.`);
