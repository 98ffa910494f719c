import type { PhaseName } from '../errors';
import type { PhaseRecord } from './records/types';

export interface PhaseRecorderOptions {
  /** Called after every change (a phase starts or ends), and awaited before the phase's work starts or its result returns. */
  onChange?: () => Promise<void>;
  /** How much of the job's log is written: each phase records its range of it. */
  logPosition?: () => number;
}

/**
 * Times phases; a phase's status is what its function reports. Every planned phase is listed
 * from the start as `pending`, moves to `building`, then to its outcome; `finish` drops the
 * phases a build never reached.
 */
export class PhaseRecorder {
  readonly phases: PhaseRecord[];

  constructor(
    names: readonly PhaseName[] = [],
    private readonly options: PhaseRecorderOptions = {},
  ) {
    this.phases = names.map((name) => ({ name, status: 'pending', startTime: null, endTime: null, durationMs: null }));
  }

  async run<T>(name: PhaseName, fn: () => Promise<{ status: PhaseRecord['status']; value: T }>): Promise<T> {
    const phase = this.phase(name);
    const start = Date.now();
    Object.assign(phase, { status: 'building', startTime: new Date(start).toISOString() });
    if (this.options.logPosition) phase.log = { start: this.options.logPosition(), end: this.options.logPosition() };
    await this.changed();
    let status: PhaseRecord['status'] = 'failed';
    try {
      const r = await fn();
      status = r.status;
      return r.value;
    } finally {
      const end = Date.now();
      Object.assign(phase, { status, endTime: new Date(end).toISOString(), durationMs: end - start });
      this.extendLog(name);
      await this.changed();
    }
  }

  skip(name: PhaseName): void {
    const now = new Date().toISOString();
    Object.assign(this.phase(name), { status: 'skipped', startTime: now, endTime: now, durationMs: 0 });
  }

  /** Lists a phase as `pending` once the build knows it will come (`upload`, when configured). */
  plan(name: PhaseName): void {
    this.phase(name);
  }

  /** The phase started last (the one a build stopped in), pending ones aside. */
  current(): PhaseName | undefined {
    return this.phases.findLast((p) => p.status !== 'pending')?.name;
  }

  /** A phase's log range reaches what the log holds now (output held back while it ran, then released). */
  extendLog(name: PhaseName): void {
    const phase = this.phases.find((p) => p.name === name);
    if (phase?.log && this.options.logPosition) phase.log.end = this.options.logPosition();
  }

  /** Leaves out the phases the build never reached (it failed or was cancelled before them). */
  finish(): void {
    for (let i = this.phases.length - 1; i >= 0; i--) if (this.phases[i].status === 'pending') this.phases.splice(i, 1);
  }

  private phase(name: PhaseName): PhaseRecord {
    let phase = this.phases.find((p) => p.name === name);
    if (!phase) {
      phase = { name, status: 'pending', startTime: null, endTime: null, durationMs: null };
      this.phases.push(phase);
    }
    return phase;
  }

  private async changed(): Promise<void> {
    await this.options.onChange?.().catch(() => undefined);
  }
}
