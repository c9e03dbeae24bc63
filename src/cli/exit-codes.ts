/** Exit codes of the `pipewright` command (documented in the README). */
export const EXIT = {
  ok: 0,
  /** A bug or an environment problem: pipewright itself failed. */
  internal: 1,
  /** A user mistake: bad arguments, an invalid plan, an unknown run, a refused decision. */
  user: 2,
  /** The run finished and at least one step failed. */
  runFailed: 3,
  /** The run is paused, waiting for an approval decision. */
  waiting: 4,
  /** The run was cancelled. */
  cancelled: 5,
  /** Interrupted by Ctrl-C. */
  interrupted: 130,
} as const;

export function exitCodeForStatus(status: string): number {
  if (status === 'succeeded') return EXIT.ok;
  if (status === 'waiting') return EXIT.waiting;
  if (status === 'cancelled') return EXIT.cancelled;
  return EXIT.runFailed;
}
