import { troupeBuild } from '../../tsup.shared.ts';

export default troupeBuild({
  index: 'src/index.ts',
  testing: 'src/testing/index.ts',
  internal: 'src/internal/index.ts',
});
