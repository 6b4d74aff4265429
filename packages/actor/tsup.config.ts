import { troupeBuild } from '../../tsup.shared.ts';

export default troupeBuild({ index: 'src/index.ts' });
