import type { RecordStore } from './records/store';
import { createMasker } from './mask';

export type TerminalSink = (text: string) => void;

/**
 * A job's output: streamed to the terminal and appended to the job's log, line-buffered so a
 * secret split across two chunks is still masked before it is written anywhere.
 */
export class JobLog {
  private pending = '';
  private fileBuffer = '';
  private flushing: Promise<void> = Promise.resolve();
  private mask: (text: string) => string = (t) => t;

  constructor(
    private readonly store: RecordStore,
    private readonly job: { id: string; packagePath: string },
    private readonly terminal: TerminalSink,
  ) {}

  setSecrets(values: string[]): void {
    this.mask = createMasker(values);
  }

  maskText(text: string): string {
    return this.mask(text);
  }

  write(chunk: string): void {
    this.pending += chunk;
    const cut = this.pending.lastIndexOf('\n');
    if (cut === -1) return;
    this.emit(this.pending.slice(0, cut + 1));
    this.pending = this.pending.slice(cut + 1);
  }

  info(line: string): void {
    this.write(`${line}\n`);
  }

  warn(line: string): void {
    this.write(`warning: ${line}\n`);
  }

  error(line: string): void {
    this.write(`error: ${line}\n`);
  }

  private emit(text: string): void {
    const masked = this.mask(text);
    this.terminal(masked);
    this.fileBuffer += masked;
    if (this.fileBuffer.length > 64 * 1024) void this.flush();
  }

  /** Writes everything buffered to the store. */
  flush(): Promise<void> {
    if (this.pending) {
      const rest = this.pending;
      this.pending = '';
      this.emit(rest.endsWith('\n') ? rest : `${rest}\n`);
    }
    const text = this.fileBuffer;
    this.fileBuffer = '';
    if (text) this.flushing = this.flushing.then(() => this.store.appendLog(this.job, text)).catch(() => undefined);
    return this.flushing;
  }
}
