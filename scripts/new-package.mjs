// Scaffolds a workspace package: node scripts/new-package.mjs <folder> '<json of {description, deps, peer, dev, subpaths}>'
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const [folder, specJson = '{}'] = process.argv.slice(2);
const spec = JSON.parse(specJson);
const dir = join('packages', folder);
const name = `@troupe/${folder}`;
const subpaths = { '.': 'index', ...(spec.subpaths ?? {}) };
const exportsField = {};
const entries = {};
for (const [subpath, entryName] of Object.entries(subpaths)) {
  const source = entryName === 'index' ? './src/index.ts' : `./src/${entryName}/index.ts`;
  exportsField[subpath] = {
    '@troupe/source': source,
    types: `./dist/${entryName}.d.ts`,
    import: `./dist/${entryName}.js`,
  };
  entries[entryName] = source.slice(2);
}
exportsField['./package.json'] = './package.json';
const pkg = {
  name,
  version: '0.0.0',
  description: spec.description,
  license: 'MIT',
  type: 'module',
  sideEffects: false,
  exports: exportsField,
  files: ['dist', 'README.md', 'CHANGELOG.md'],
  engines: { node: '>=20.19' },
  publishConfig: { access: 'public' },
  repository: { type: 'git', url: 'git+https://github.com/troupe-dev/troupe.git', directory: `packages/${folder}` },
  scripts: { build: 'tsup', typecheck: 'tsc -p tsconfig.json', test: 'vitest run' },
};
if (spec.deps) pkg.dependencies = spec.deps;
if (spec.peer) pkg.peerDependencies = spec.peer;
if (spec.peerMeta) pkg.peerDependenciesMeta = spec.peerMeta;
if (spec.dev) pkg.devDependencies = spec.dev;
mkdirSync(join(dir, 'src'), { recursive: true });
writeFileSync(join(dir, 'package.json'), `${JSON.stringify(pkg, null, 2)}\n`);
writeFileSync(
  join(dir, 'tsconfig.json'),
  `${JSON.stringify({ extends: '../../tsconfig.base.json', include: ['src', 'test', '*.ts'] }, null, 2)}\n`,
);
writeFileSync(
  join(dir, 'tsup.config.ts'),
  `import { troupeBuild } from '../../tsup.shared.ts';\n\nexport default troupeBuild(${JSON.stringify(entries).replaceAll('"', "'").replaceAll(',', ', ').replaceAll(':', ': ')});\n`,
);
writeFileSync(
  join(dir, 'vitest.config.ts'),
  `import { troupeProject } from '../../vitest.shared.ts';\n\nexport default troupeProject('${name}');\n`,
);
for (const entryName of Object.values(subpaths)) {
  const file = entryName === 'index' ? join(dir, 'src/index.ts') : join(dir, `src/${entryName}/index.ts`);
  mkdirSync(join(file, '..'), { recursive: true });
  if (!existsSync(file)) writeFileSync(file, 'export {};\n');
}
