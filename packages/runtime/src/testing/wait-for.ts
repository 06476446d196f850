/**
 * Polls `pred` (sync or async) until it holds; resolves with the time that took, ms, or rejects
 * with "`what` not met within `timeoutMs` ms". For tests and benchmarks that wait on another
 * process, node or timer — never a performance assertion.
 *
 * ```ts
 * await waitFor(() => nodes.every((n) => n.nodes().length === 2), 10_000, 'full mesh');
 * ```
 */
export async function waitFor(
  pred: () => boolean | Promise<boolean>,
  timeoutMs = 5000,
  what = 'condition',
  pollMs = 10,
): Promise<number> {
  const started = Date.now();
  for (;;) {
    if (await pred()) return Date.now() - started;
    if (Date.now() - started > timeoutMs) throw new Error(`${what} not met within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, pollMs));
  }
}
