import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempPackage, type TempPackage } from '../../../test/helpers/resolved-config';
import { customBuildStep } from './options';

let pkg: TempPackage;
beforeAll(() => {
  pkg = tempPackage();
});
afterAll(() => pkg.dispose());

describe('custom: how the build runs', () => {
  it('a command runs in the package root with the build environment and OUT_DIR, the directory to write into', async () => {
    const config = await pkg.resolve({ builder: 'custom', builderOptions: { command: 'node scripts/build.mjs' } });
    expect(customBuildStep(config, '/stage', { PATH: '/bin', MODE: 'prod' })).toEqual({
      kind: 'command',
      command: 'node scripts/build.mjs',
      cwd: pkg.dir,
      env: { PATH: '/bin', MODE: 'prod', OUT_DIR: '/stage' },
    });
  });

  it('OUT_DIR is always the staging directory, whatever the environment says', async () => {
    const config = await pkg.resolve({ builder: 'custom', builderOptions: { command: 'make' } });
    expect(customBuildStep(config, '/stage', { OUT_DIR: '/elsewhere' })).toMatchObject({ env: { OUT_DIR: '/stage' } });
  });

  it('a function is called as given', async () => {
    const run = async () => {};
    const config = await pkg.resolve({ builder: 'custom', builderOptions: { run } });
    expect(customBuildStep(config, '/stage', {})).toEqual({ kind: 'run', run });
  });

  it('an environment replaces the command', async () => {
    const raw = {
      builder: 'custom',
      builderOptions: { command: 'make' },
      environments: { staging: { builderOptions: { command: 'make staging' } } },
    };
    expect(customBuildStep(await pkg.resolve(raw, 'staging'), '/o', {})).toMatchObject({ command: 'make staging' });
    expect(customBuildStep(await pkg.resolve(raw), '/o', {})).toMatchObject({ command: 'make' });
  });
});
