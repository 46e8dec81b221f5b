import type { BuilderDefinition } from '../../lib/builder-registry.ts';
import { toolCallingMultiTurnStateless } from './multi-turn-stateless.ts';

export { toolCallingMultiTurnStateless } from './multi-turn-stateless.ts';

/** The builders of this folder, as the registry lists them. */
export const toolCallingBuilders: readonly BuilderDefinition[] = [toolCallingMultiTurnStateless];
