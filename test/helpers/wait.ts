/** Polls until fn gives a value other than undefined or false, and returns it; throws after timeoutMs. */
export async function until<T>(
  fn: () => T | undefined | false,
  timeoutMs = 10_000,
  what = 'a condition',
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = fn();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
