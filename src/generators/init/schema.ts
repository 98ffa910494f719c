/** Options of the `init` generator (mirrors schema.json). */
export interface InitGeneratorSchema {
  buildTargetName?: string;
  cleanTargetName?: string;
  /** Writes NX_ISOLATE_PLUGINS=false to the workspace .env (plugins loaded in-process). */
  inProcessPlugins?: boolean;
  skipFormat?: boolean;
}
