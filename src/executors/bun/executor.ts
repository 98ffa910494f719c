import { createAdapterExecutor } from '../adapter-executor';

/** `@repo/build-system:bun`: a bun build configured in project.json (same options as build.config.ts). */
export default createAdapterExecutor('bun');
