import { isAbsolute, posix, relative, sep } from 'node:path';
import { splitInclude } from '../config/cache-include';
import { BUILD_CACHE_DIR } from '../config/define';
import type { ResolvedBuildConfig } from '../config/resolve';
import { buildError, type BuildError } from '../errors';

/**
 * After a build, what the builder read (its module graph: esbuild's and bun's metafiles,
 * rollup's watch files, tsc's program) is compared with the inputs of the task that ran it. A
 * file read but not hashed is a stale cache hit waiting to happen: an edit to it changes the
 * output without changing the task hash (vercel/turborepo#14059). Each one is reported with
 * how to declare it; `check: 'strict'` fails the build instead of warning.
 *
 * What counts as read is what the builder reports; node_modules (the lockfile versions are
 * hashed) and this package's `.build-cache` are left out. The patterns follow Nx's input
 * semantics: named inputs expanded, `^name` for every dependency (transitively), negations per
 * project.
 */

/** An entry of a target's `inputs` (a named input, a fileset, or one of Nx's input objects). */
export type InputDefinition = string | Record<string, unknown>;

export interface ProjectInputs {
  name: string;
  /** Workspace-relative, posix; '.' for a root project. */
  root: string;
  /** The project's named inputs: nx.json's, with the project's own over them. */
  namedInputs: Record<string, InputDefinition[]>;
}

/** The inputs of the task running this build, as Nx hashes them (plain data from the executor context). */
export interface DeclaredInputs {
  /** `project:target`, for messages. */
  task: string;
  project: ProjectInputs;
  /** The target's `inputs`; undefined means Nx's default (`default` and `^default`). */
  inputs?: InputDefinition[];
  /** Projects this one depends on, transitively, with the outputs of the targets it waits for (`dependsOn: ['^build']`). */
  dependencies: (ProjectInputs & { outputs: string[] })[];
  /** Every project's name and root: says which project a file belongs to. */
  projects: { name: string; root: string }[];
}

interface PatternSet {
  positive: RegExp[];
  negative: RegExp[];
}

const DEFAULT_INPUTS: InputDefinition[] = ['default', '^default'];
const MAX_REPORTED = 20;

/**
 * Which files the declared inputs hash: one pattern set for the project and one per
 * dependency (a negation applies within its own project's patterns, as in Nx).
 */
export function inputMatcher(declared: DeclaredInputs): (file: string) => boolean {
  const own = expandInputs(declared.inputs ?? DEFAULT_INPUTS, declared.project.namedInputs);
  const sets: PatternSet[] = [patternSet(own.filesets, declared.project.root)];
  for (const dep of declared.dependencies) {
    const filesets = [...own.dependencyInputs.flatMap((name) => expandNamed(name, dep.namedInputs).filesets), ...own.dependencyFilesets];
    sets.push(patternSet(filesets, dep.root));
    // Outputs of the dependency's build: its own task hash (which this one includes) covers them.
    sets.push(patternSet(dep.outputs, dep.root));
  }
  return (file) => sets.some((s) => s.positive.some((p) => p.test(file)) && !s.negative.some((n) => n.test(file)));
}

interface Expanded {
  /** Filesets of the project itself (`{projectRoot}/…`, `{workspaceRoot}/…`, `!…`). */
  filesets: string[];
  /** Named inputs taken from every dependency (`^production`). */
  dependencyInputs: string[];
  /** Filesets taken from every dependency (`^{projectRoot}/…`). */
  dependencyFilesets: string[];
}

/** Nx's split of a target's inputs into the project's own and its dependencies' (task-hasher's rules). */
export function expandInputs(inputs: readonly InputDefinition[], namedInputs: Record<string, InputDefinition[]>, depth = 0): Expanded {
  const out: Expanded = { filesets: [], dependencyInputs: [], dependencyFilesets: [] };
  if (depth > 16) return out;
  const named = (name: string) => {
    const e = expandNamed(name, namedInputs, depth + 1);
    out.filesets.push(...e.filesets);
  };
  for (const input of inputs) {
    if (typeof input === 'string') {
      if (input.startsWith('^')) {
        const rest = input.slice(1);
        if (isFileset(rest)) out.dependencyFilesets.push(rest);
        else out.dependencyInputs.push(rest);
      } else if (isFileset(input)) out.filesets.push(input);
      else named(input);
      continue;
    }
    if (typeof input.fileset === 'string') {
      (input.dependencies ? out.dependencyFilesets : out.filesets).push(input.fileset);
    } else if (typeof input.input === 'string') {
      if (input.dependencies || input.projects === 'dependencies') out.dependencyInputs.push(input.input);
      else if (!input.projects || input.projects === 'self') named(input.input);
      // Inputs of named other projects are not followed: their files are reported as undeclared.
    }
  }
  return out;
}

function expandNamed(name: string, namedInputs: Record<string, InputDefinition[]>, depth = 0): Expanded {
  const definition = namedInputs[name] ?? (name === 'default' ? ['{projectRoot}/**/*'] : []);
  return expandInputs(definition, namedInputs, depth);
}

const isFileset = (s: string) => /^!?\{(projectRoot|workspaceRoot)\}/.test(s);

function patternSet(filesets: readonly string[], projectRoot: string): PatternSet {
  const set: PatternSet = { positive: [], negative: [] };
  for (const f of filesets) {
    const negated = f.startsWith('!');
    const path = (negated ? f.slice(1) : f)
      .replace('{projectRoot}', projectRoot === '.' ? '' : projectRoot)
      .replace('{workspaceRoot}', '')
      .replace(/^\/+/, '');
    (negated ? set.negative : set.positive).push(globToRegExp(path));
  }
  return set;
}

/**
 * A glob as Nx's input patterns mean it: `**` any depth (`a/**` also the directory's files),
 * `*` and `?` within one path segment, `{a,b}` alternatives, `[…]` classes; a plain path also
 * matches the files below it.
 */
export function globToRegExp(glob: string): RegExp {
  let re = '';
  let braces = 0;
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i];
    if (c === '*' && glob[i + 1] === '*') {
      const slash = glob[i + 2] === '/';
      re += slash ? '(?:.*/)?' : '.*';
      i += slash ? 2 : 1;
    } else if (c === '*') re += '[^/]*';
    else if (c === '?') re += '[^/]';
    else if (c === '{') {
      braces++;
      re += '(?:';
    } else if (c === '}' && braces > 0) {
      braces--;
      re += ')';
    } else if (c === ',' && braces > 0) re += '|';
    else if (c === '[') {
      const end = glob.indexOf(']', i + 1);
      if (end === -1) re += '\\[';
      else {
        re += `[${glob
          .slice(i + 1, end)
          .replace(/^!/, '^')
          .replace(/\\/g, '\\\\')}]`;
        i = end;
      }
    } else re += c.replace(/[.+^$()|\\]/g, '\\$&');
  }
  const plain = !/[*?{[]/.test(glob);
  return new RegExp(`^${re}${plain ? '(?:/.*)?' : ''}$`);
}

/**
 * The files among `reads` (absolute paths) that no declared input covers. Dependencies
 * installed in node_modules (their versions are hashed through the lockfile) and the
 * package's own `.build-cache` (generated tsconfigs, build info) are not inputs to declare.
 */
export function undeclaredReads(
  reads: Iterable<string>,
  workspaceRoot: string,
  packagePath: string,
  covered: (file: string) => boolean,
): string[] {
  const state = posix.join(packagePath || '.', BUILD_CACHE_DIR) + '/';
  const found = new Set<string>();
  for (const abs of reads) {
    const rel = relative(workspaceRoot, abs);
    const outside = rel.startsWith('..') || isAbsolute(rel);
    const file = outside ? abs : rel.split(sep).join('/');
    if (file.split('/').includes('node_modules') || (!outside && file.startsWith(state))) continue;
    if (outside || !covered(file)) found.add(file);
  }
  return [...found].sort();
}

/** How to make a file an input, from where it lies. */
export function howToDeclare(
  file: string,
  config: Pick<ResolvedBuildConfig, 'packagePath' | 'cache'>,
  declared: Pick<DeclaredInputs, 'projects' | 'dependencies'>,
): { hint: string; field?: string } {
  if (isAbsolute(file)) return { hint: 'it is outside the workspace, where no input reaches: move it into the workspace' };
  const packagePath = config.packagePath || '.';
  const inside = (root: string) => root === '.' || file.startsWith(`${root}/`);
  const fromPackage = posix.relative(packagePath === '.' ? '' : packagePath, file);
  if (inside(packagePath) && packagePath !== '.') return ownFileLeftOut(fromPackage, config.cache, packagePath);
  const owner = declared.projects.filter((p) => p.root !== '.' && inside(p.root)).sort((a, b) => b.root.length - a.root.length)[0];
  const isDependency = owner && declared.dependencies.some((d) => d.name === owner.name);
  const include = `add '${fromPackage}' to \`cache.include\``;
  if (owner && !isDependency)
    return {
      hint: `it belongs to project ${owner.name}: add ${owner.name} to package.json dependencies (its inputs then count), or ${include}`,
      field: 'cache.include',
    };
  if (owner) return { hint: `project ${owner.name}'s inputs leave it out: ${include}`, field: 'cache.include' };
  return {
    hint: `${include} (the target then hashes {workspaceRoot}/${file}), or move it into a workspace package this one depends on`,
    field: 'cache.include',
  };
}

/** Why a file of the package itself is not an input: `cache.include` narrows, `cache.exclude` or the named input leaves it out. */
function ownFileLeftOut(file: string, cache: ResolvedBuildConfig['cache'], packagePath: string): { hint: string; field: string } {
  if (splitInclude(cache.include ?? [], packagePath).own.length)
    return { hint: `\`cache.include\` does not list it: add '${file}'`, field: 'cache.include' };
  const exclude = (cache.exclude ?? []).find((g) => globToRegExp(g).test(file));
  if (exclude) return { hint: `\`cache.exclude\` leaves it out ('${exclude}'): narrow that pattern`, field: 'cache.exclude' };
  return {
    hint: `the named input the target starts from (\`production\` in nx.json) leaves it out: change that named input, or list the package's inputs in \`cache.include\` with '${file}'`,
    field: 'cache.include',
  };
}

/**
 * One build's check: reads reported per phase, each undeclared file reported once, as a
 * warning, or as an error under `check: 'strict'`. Nothing is checked without declared inputs
 * (a build not run by Nx has no task hash) or with `check: false`.
 */
export class UndeclaredInputCheck {
  private matcher?: (file: string) => boolean;
  private readonly reported = new Set<string>();

  constructor(
    private readonly declared: DeclaredInputs | undefined,
    private readonly config: ResolvedBuildConfig,
  ) {}

  get enabled(): boolean {
    return Boolean(this.declared) && this.config.check.mode !== 'off';
  }

  check(reads: readonly string[] | undefined, phase: 'build' | 'dts'): { errors: BuildError[]; warnings: BuildError[] } {
    const none = { errors: [], warnings: [] };
    if (!this.declared || !reads?.length || !this.enabled) return none;
    this.matcher ??= inputMatcher(this.declared);
    const files = undeclaredReads(reads, this.config.workspaceRoot, this.config.packagePath, this.matcher).filter(
      (f) => !this.reported.has(f),
    );
    if (files.length === 0) return none;
    for (const f of files) this.reported.add(f);
    const findings = files.slice(0, MAX_REPORTED).map((file) => this.finding(file, phase));
    if (files.length > MAX_REPORTED) {
      findings.push(
        buildError(
          'UNDECLARED_INPUT',
          `and ${files.length - MAX_REPORTED} more files read by the build are not inputs of ${this.declared.task}`,
          { phase },
        ),
      );
    }
    return this.config.check.mode === 'strict' ? { errors: findings, warnings: [] } : { errors: [], warnings: findings };
  }

  private finding(file: string, phase: 'build' | 'dts'): BuildError {
    const { hint, field } = howToDeclare(file, this.config, this.declared!);
    const what = phase === 'dts' ? 'the declarations build' : 'the build';
    return buildError(
      'UNDECLARED_INPUT',
      `${what} read ${file}, which is not an input of ${this.declared!.task}: an edit to it would not rebuild (a stale cache hit); ${hint}`,
      {
        phase,
        file,
        ...(field ? { field } : {}),
      },
    );
  }
}
