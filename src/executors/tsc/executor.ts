import { createAdapterExecutor } from '../adapter-executor';

/** `@repo/build-system:tsc`: a tsc build configured in project.json (same options as build.config.ts). */
export default createAdapterExecutor('tsc');
