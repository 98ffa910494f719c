import type { RecordStore } from './records/store';
import { createMasker, StreamMasker } from './mask';
import { passThrough } from './output-capture';

export type TerminalSink = (text: string) => void;

export interface LogLimits {
  /** Longer lines keep their first and last halves. */
  maxLineLength: number;
  /** Past this, the output keeps its first and last halves (whole lines). */
  maxSize: number;
}

export const DEFAULT_LOG_LIMITS: LogLimits = { maxLineLength: 64 * 1024, maxSize: 8 * 1024 * 1024 };

/** `BUILD_SYSTEM_LOG_MAX_LINE` / `BUILD_SYSTEM_LOG_MAX_SIZE`, in characters (docs/safety.md). */
export function logLimitsFromEnv(env: NodeJS.ProcessEnv = process.env): LogLimits {
  const num = (v: string | undefined, min: number) =>
    v && Number.isInteger(Number(v)) && Number(v) > 0 ? Math.max(min, Number(v)) : undefined;
  const maxSize = num(env.BUILD_SYSTEM_LOG_MAX_SIZE, 4096) ?? DEFAULT_LOG_LIMITS.maxSize;
  // A line is never longer than what the log keeps of its end.
  const maxLineLength = Math.min(num(env.BUILD_SYSTEM_LOG_MAX_LINE, 200) ?? DEFAULT_LOG_LIMITS.maxLineLength, Math.floor(maxSize / 4));
  return { maxLineLength, maxSize };
}

/** Output written before the secrets are known is held (raw) up to this much. */
const MAX_HELD = 1024 * 1024;
const FILE_FLUSH_AT = 64 * 1024;

/**
 * A job's output: streamed to the terminal and appended to the job's log. Until `setSecrets`
 * (after validation) it is held, so nothing is shown before it can be masked. Then every
 * chunk is masked as a stream (exact across chunk boundaries of any size), cut into lines no
 * longer than `maxLineLength`, and kept to `maxSize` (head and tail), all in linear time.
 */
export class JobLog {
  private held: string[] | undefined = [];
  private heldLength = 0;
  private heldDropped = 0;
  private masker = new StreamMasker([]);
  private mask: (text: string) => string = (t) => t;
  private readonly lines: LineLimiter;
  private readonly size: SizeLimiter;
  private fileBuffer = '';
  private flushing: Promise<void> = Promise.resolve();
  private emitted = 0;

  constructor(
    private readonly store: RecordStore,
    private readonly job: { id: string; packagePath: string },
    private readonly terminal: TerminalSink,
    limits: LogLimits = logLimitsFromEnv(),
  ) {
    this.lines = new LineLimiter(limits.maxLineLength);
    this.size = new SizeLimiter(limits.maxSize);
  }

  /** Sets the values to mask and lets the held output through. */
  setSecrets(values: string[]): void {
    this.masker = new StreamMasker(values);
    this.mask = createMasker(values);
    this.release();
  }

  maskText(text: string): string {
    return this.mask(text);
  }

  write(chunk: string): void {
    if (this.held) {
      if (this.heldLength + chunk.length > MAX_HELD) this.heldDropped += chunk.length;
      else {
        this.held.push(chunk);
        this.heldLength += chunk.length;
      }
      return;
    }
    this.emit(this.size.push(this.lines.push(this.masker.push(chunk))));
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

  private release(): void {
    const held = this.held;
    if (!held) return;
    this.held = undefined;
    for (const chunk of held) this.write(chunk);
    if (this.heldDropped) this.info(`[build-system] ${this.heldDropped} characters of output written before validation were dropped`);
  }

  /** Characters written to the log so far (what `readLog` gives back, up to here). */
  get position(): number {
    return this.emitted;
  }

  /** Writes what is buffered to the store (a running build's log, readable as it goes). */
  sync(): Promise<void> {
    return this.flushFile();
  }

  private emit(text: string): void {
    if (!text) return;
    passThrough(() => this.terminal(text));
    this.emitted += text.length;
    this.fileBuffer += text;
    if (this.fileBuffer.length > FILE_FLUSH_AT) this.flushFile();
  }

  private flushFile(always = false): Promise<void> {
    const text = this.fileBuffer;
    this.fileBuffer = '';
    if (text || always) this.flushing = this.flushing.then(() => this.store.appendLog(this.job, text)).catch(() => undefined);
    return this.flushing;
  }

  /**
   * Ends the partial line, shows what the size limit held back, and writes everything to the
   * store; the log exists afterwards even when the build printed nothing (a record names it).
   */
  flush(): Promise<void> {
    this.release();
    const rest = this.lines.push(this.masker.end()) + this.lines.end();
    this.emit(this.size.push(rest) + this.size.drain());
    return this.flushFile(true);
  }
}

/** The last `max` characters of a stream, in amortized linear time. */
class TailKeeper {
  private pieces: string[] = [];
  private length = 0;

  constructor(private readonly max: number) {}

  push(s: string): void {
    this.pieces.push(s);
    this.length += s.length;
    if (this.length > 2 * this.max) this.compact();
  }

  value(): string {
    this.compact();
    return this.pieces.join('');
  }

  private compact(): void {
    const kept = this.pieces.join('').slice(-this.max);
    this.pieces = [kept];
    this.length = kept.length;
  }
}

/** Cuts lines longer than `max` to their first and last halves, saying how much is cut. */
export class LineLimiter {
  private line: string[] = [];
  private lineLength = 0;
  private head: string | undefined;
  private tail: TailKeeper;
  private total = 0;

  constructor(private readonly max: number) {
    this.tail = new TailKeeper(Math.floor(max / 2));
  }

  /** Complete lines (each ending in `\n`); a partial line waits. */
  push(text: string): string {
    let out = '';
    let start = 0;
    for (;;) {
      const nl = text.indexOf('\n', start);
      this.append(nl === -1 ? text.slice(start) : text.slice(start, nl));
      if (nl === -1) return out;
      out += `${this.takeLine()}\n`;
      start = nl + 1;
    }
  }

  /** The partial line, ended. */
  end(): string {
    return this.lineLength || this.head !== undefined ? `${this.takeLine()}\n` : '';
  }

  private append(segment: string): void {
    if (!segment) return;
    if (this.head === undefined) {
      if (this.lineLength + segment.length <= this.max) {
        this.line.push(segment);
        this.lineLength += segment.length;
        return;
      }
      const whole = this.line.join('') + segment;
      const half = Math.floor(this.max / 2);
      this.head = whole.slice(0, half);
      this.tail.push(whole.slice(half));
      this.total = whole.length;
      this.line = [];
      this.lineLength = 0;
      return;
    }
    this.tail.push(segment);
    this.total += segment.length;
  }

  private takeLine(): string {
    let line: string;
    if (this.head === undefined) {
      line = this.line.join('');
    } else {
      const tail = this.tail.value();
      line = `${this.head} [… ${this.total - this.head.length - tail.length} characters cut …] ${tail}`;
      this.head = undefined;
      this.tail = new TailKeeper(Math.floor(this.max / 2));
      this.total = 0;
    }
    this.line = [];
    this.lineLength = 0;
    return line;
  }
}

/**
 * Keeps a stream of whole lines to `max` characters: the first half passes at once; past it,
 * only the last half is kept and shown by `drain`, after a line saying what was cut.
 */
export class SizeLimiter {
  private headLeft: number;
  private readonly tailMax: number;
  private tail: string[] = [];
  private tailLength = 0;
  private cutChars = 0;
  private cutLines = 0;

  constructor(private readonly max: number) {
    this.headLeft = Math.floor(max / 2);
    this.tailMax = max - this.headLeft;
  }

  /** `text` is whole lines; returns what passes now. */
  push(text: string): string {
    if (!text) return '';
    if (this.headLeft >= text.length) {
      this.headLeft -= text.length;
      return text;
    }
    let passed = '';
    if (this.headLeft > 0) {
      const cut = text.lastIndexOf('\n', this.headLeft - 1) + 1;
      passed = text.slice(0, cut);
      text = text.slice(cut);
      this.headLeft = 0;
      passed += `[build-system] the output passed ${this.max - this.tailMax} characters: the rest is cut, keeping its last ${this.tailMax} characters, shown at the end (BUILD_SYSTEM_LOG_MAX_SIZE)\n`;
    }
    this.tail.push(text);
    this.tailLength += text.length;
    if (this.tailLength > 2 * this.tailMax) this.compact();
    return passed;
  }

  /** The kept tail, after a line saying how much was cut before it. */
  drain(): string {
    if (!this.tailLength) return '';
    this.compact();
    const tail = this.tail.join('');
    const note = this.cutChars ? `[build-system] … ${this.cutLines} lines (${this.cutChars} characters) of output cut here …\n` : '';
    this.tail = [];
    this.tailLength = 0;
    this.cutChars = 0;
    this.cutLines = 0;
    return note + tail;
  }

  /** Drops whole lines from the front until at most `tailMax` characters are left. */
  private compact(): void {
    const all = this.tail.join('');
    let from = all.length - this.tailMax;
    if (from > 0) {
      const nl = all.indexOf('\n', from - 1);
      // A single line longer than what is kept: keep its end.
      from = nl === -1 || nl + 1 >= all.length ? from : nl + 1;
      this.cutChars += from;
      this.cutLines += countLines(all, from);
    } else {
      from = 0;
    }
    const kept = all.slice(from);
    this.tail = [kept];
    this.tailLength = kept.length;
  }
}

function countLines(s: string, end: number): number {
  let n = 0;
  for (let i = s.indexOf('\n'); i !== -1 && i < end; i = s.indexOf('\n', i + 1)) n++;
  return n;
}
