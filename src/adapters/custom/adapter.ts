import { buildError } from '../../errors';
import { describeLeftRunning, runCommand, tail } from '../../utils/spawn';
import { configFileOf, unsupportedOptions } from '../builder-options';
import type { AdapterContext, AdapterResult, BuilderAdapter } from '../types';
import { customBuildStep } from './options';

/**
 * Any build as a command (`builderOptions.command`, run in the package root with OUT_DIR set
 * to the directory to write into) or an async function (`builderOptions.run`). Artifacts are
 * whatever `artifactGlobs` find afterwards.
 */
export const customAdapter: BuilderAdapter = {
  name: 'custom',
  validate(config) {
    return this.validateBuilderOptions(config);
  },
  validateBuilderOptions(config) {
    const errors = unsupportedOptions('custom', config, ['command', 'run']);
    const { command, run } = config.builderOptions as { command?: unknown; run?: unknown };
    const hasCommand = typeof command === 'string' && command.length > 0;
    const hasRun = typeof run === 'function';
    if (hasCommand === hasRun) {
      errors.push(
        buildError(
          'CONFIG_INVALID',
          'builder "custom" needs exactly one of builderOptions.command (a command string) or builderOptions.run (an async function)',
          {
            phase: 'validate',
            file: configFileOf(config),
            field: 'builderOptions',
            expected: '{ command: string } or { run: async (ctx) => {} }',
            found: hasCommand && hasRun ? 'both' : command !== undefined ? typeof command : run !== undefined ? typeof run : 'neither',
          },
        ),
      );
    }
    return errors;
  },
  async build(ctx: AdapterContext): Promise<AdapterResult> {
    const step = customBuildStep(ctx.config, ctx.outDir, ctx.env);
    if (step.kind === 'run') {
      try {
        await step.run({ config: ctx.config, outDir: ctx.outDir, env: ctx.env, log: (l) => ctx.log.info(l), signal: ctx.signal });
        return { errors: [] };
      } catch (err) {
        return {
          errors: [buildError('BUILD_FAILED', `builderOptions.run threw: ${(err as Error)?.message ?? String(err)}`, { phase: 'build' })],
        };
      }
    }
    const { command } = step;
    ctx.log.info(`> ${command}`);
    const r = await runCommand(command, {
      cwd: step.cwd,
      env: step.env,
      shell: true,
      signal: ctx.signal,
      onOutput: (c) => ctx.log.write(c),
    });
    if (r.cancelled) return { errors: [buildError('CANCELLED', 'custom build cancelled', { phase: 'build' })] };
    const left = describeLeftRunning(`the custom build \`${command}\``, r);
    const warnings = left ? [buildError('PROCESS_LEFT_RUNNING', left, { phase: 'build' })] : [];
    if (r.exitCode === 0) return { errors: [], warnings };
    const why = r.spawnError
      ? `could not be started: ${r.spawnError}`
      : r.exitCode === null
        ? `was killed by ${r.signal ?? 'a signal'}`
        : `exited with code ${r.exitCode}`;
    const out = tail(r.output);
    return { errors: [buildError('BUILD_FAILED', `\`${command}\` ${why}${out ? `:\n${out}` : ''}`, { phase: 'build' })] };
  },
};
