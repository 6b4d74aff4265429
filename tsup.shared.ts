import { defineConfig, type Options } from 'tsup';

/** ESM + declarations + sourcemaps for one package; `entry` lists one file per exported subpath. */
export function troupeBuild(entry: Record<string, string> = { index: 'src/index.ts' }, extra: Options = {}) {
  return defineConfig({
    entry,
    format: ['esm'],
    dts: true,
    sourcemap: true,
    clean: true,
    target: 'node20',
    platform: 'node',
    splitting: true,
    treeshake: true,
    ...extra,
  });
}
