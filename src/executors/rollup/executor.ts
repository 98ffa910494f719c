import { createAdapterExecutor } from '../adapter-executor';

/** `@repo/build-system:rollup`: a rollup build configured in project.json (same options as build.config.ts). */
export default createAdapterExecutor('rollup');
