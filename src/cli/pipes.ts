/**
 * Output to a reader that stops early (`pipewright logs <run> | head`, `pipewright tasks --json | head -1`):
 * the next write fails with EPIPE, which Node raises as an unhandled 'error' event (a stack trace). The
 * reader had what it wanted, so the command stops quietly, with the exit code it has so far.
 */
export function stopQuietlyOnClosedPipe(stream: NodeJS.WriteStream): void {
  stream.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code === 'EPIPE') process.exit(typeof process.exitCode === 'number' ? process.exitCode : 0);
    // Anything else (a full disk behind a redirect) is said in one line, without a stack trace.
    try {
      process.stderr.write(`pipewright: cannot write output (${e.code ?? e.message})\n`);
    } finally {
      process.exit(1);
    }
  });
}
