import type { PhaseName } from '../errors';
import type { PhaseRecord } from './records/types';

/** Times phases; a phase's status is what its function reports. */
export class PhaseRecorder {
  readonly phases: PhaseRecord[] = [];

  async run<T>(name: PhaseName, fn: () => Promise<{ status: PhaseRecord['status']; value: T }>): Promise<T> {
    const start = Date.now();
    let status: PhaseRecord['status'] = 'failed';
    try {
      const r = await fn();
      status = r.status;
      return r.value;
    } finally {
      const end = Date.now();
      this.phases.push({ name, status, startTime: new Date(start).toISOString(), endTime: new Date(end).toISOString(), durationMs: end - start });
    }
  }

  skip(name: PhaseName): void {
    const now = new Date().toISOString();
    this.phases.push({ name, status: 'skipped', startTime: now, endTime: now, durationMs: 0 });
  }
}
