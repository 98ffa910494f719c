/** Options of the `init` generator (mirrors schema.json). */
export interface InitGeneratorSchema {
  buildTargetName?: string;
  cleanTargetName?: string;
  skipFormat?: boolean;
}
