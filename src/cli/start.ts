import { listenForStop, type StopListener } from '../core/signals';

/**
 * Imported first by the `build-system` bin, so this runs before its other modules load:
 * a Ctrl-C while the CLI starts is a cancellation (`--json` still prints its one document),
 * not a kill by the default handler; and a reader that stops reading (`status x | head -2`)
 * ends the output quietly instead of crashing with an EPIPE stack trace.
 */
const isBin = require.main !== undefined && require.main.filename === require.resolve('../cli');

export const startupStop: StopListener | undefined = isBin ? listenForStop() : undefined;

if (isBin) {
  for (const stream of [process.stdout, process.stderr]) {
    stream.on('error', (err: NodeJS.ErrnoException) => {
      // The reader is gone: nothing more can be shown; the command still finishes its work.
      if (err.code === 'EPIPE' || err.code === 'ERR_STREAM_DESTROYED') return;
      process.exitCode = 1;
    });
  }
}
