/**
 * SIGINT/SIGTERM as an AbortSignal, one per process: the first call installs the handlers, later calls return the
 * same signal. A command installs it as soon as stopping cleanly matters (e.g. right after a job is posted), so that
 * Ctrl-C in the moment before it starts following still ends with the resume hint instead of a killed process.
 */
let signal: AbortSignal | undefined;

export function stopSignal(): AbortSignal {
  if (signal) return signal;
  const abort = new AbortController();
  const stop = () => abort.abort(new Error("signal"));
  process.once("SIGINT", stop);
  process.once("SIGTERM", stop);
  signal = abort.signal;
  return signal;
}
