import { createAdapterExecutor } from '../adapter-executor';

/** `@repo/build-system:esbuild`: a esbuild build configured in project.json (same options as build.config.ts). */
export default createAdapterExecutor('esbuild');
