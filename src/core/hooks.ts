import { statSync } from 'node:fs';
import { relative, resolve } from 'node:path';
import { configFileOf } from '../adapters/builder-options';
import { toPosix, type ResolvedBuildConfig } from '../config/resolve';
import type { Hook, HookContext } from '../config/schema';
import { buildError, formatError, type BuildError, type PhaseName } from '../errors';
import { describeLeftRunning, runCommand, tail } from '../utils/spawn';
import type { JobLog } from './log';

export interface HookRun {
  phase: PhaseName;
  hook: Hook;
  config: ResolvedBuildConfig;
  env: NodeJS.ProcessEnv;
  log: JobLog;
  signal: AbortSignal;
  /** Receives warnings (a process the hook left running); they are also logged. */
  warnings?: BuildError[];
}

/** Runs a hook (command string, `{ cmd }`, or function) in the package root; returns its errors. */
export async function runHook({ phase, hook, config, env, log, signal, warnings }: HookRun): Promise<BuildError[]> {
  const label = `${phase} hook`;
  if (typeof hook === 'function') {
    const ctx: HookContext = {
      packageName: config.name,
      packageRoot: config.packageRoot,
      workspaceRoot: config.workspaceRoot,
      outputDir: resolve(config.packageRoot, config.outputDir),
      environment: config.environment,
      env: Object.fromEntries(Object.entries(env).filter((e): e is [string, string] => typeof e[1] === 'string')),
      log: (line) => log.info(line),
    };
    try {
      await hook(ctx);
      return [];
    } catch (err) {
      return [buildError('HOOK_FAILED', `${label} threw: ${(err as Error)?.message ?? String(err)}`, { phase })];
    }
  }
  const cmd = typeof hook === 'string' ? hook : hook.cmd;
  const cwd = typeof hook === 'string' || !hook.cwd ? config.packageRoot : resolve(config.packageRoot, hook.cwd);
  // Checked here: spawn reports a missing cwd as the shell being missing (`spawn /bin/sh ENOENT`).
  if (typeof hook !== 'string' && hook.cwd && !isDirectory(cwd)) {
    return [
      buildError(
        'HOOK_FAILED',
        `${label} \`${cmd}\` cannot run: its working directory ${toPosix(relative(config.workspaceRoot, cwd))} does not exist`,
        {
          phase,
          file: configFileOf(config),
          field: `${phase}.cwd`,
          expected: 'an existing directory, relative to the package root',
          found: JSON.stringify(hook.cwd),
        },
      ),
    ];
  }
  log.info(`> ${cmd}`);
  const result = await runCommand(cmd, { cwd, env, shell: true, signal, onOutput: (c) => log.write(c) });
  if (result.cancelled) return [buildError('CANCELLED', `${label} cancelled`, { phase })];
  const left = describeLeftRunning(`${label} \`${cmd}\``, result);
  if (left) {
    const warning = buildError('PROCESS_LEFT_RUNNING', left, { phase });
    log.warn(formatError(warning));
    warnings?.push(warning);
  }
  if (result.exitCode === 0) return [];
  if (result.spawnError) return [buildError('HOOK_FAILED', `${label} \`${cmd}\` could not be started: ${result.spawnError}`, { phase })];
  const why = result.exitCode === null ? `was killed by ${result.signal ?? 'a signal'}` : `exited with code ${result.exitCode}`;
  const out = tail(log.maskText(result.output));
  return [buildError('HOOK_FAILED', `${label} \`${cmd}\` ${why}${out ? `:\n${out}` : ''}`, { phase })];
}

function isDirectory(p: string): boolean {
  try {
    return statSync(p).isDirectory();
  } catch {
    return false;
  }
}
