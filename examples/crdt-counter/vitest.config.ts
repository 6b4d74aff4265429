import { troupeProject } from '../../vitest.shared.ts';

export default troupeProject('@troupe/example-crdt-counter');
