/**
 * On SIGTERM (Kubernetes stopping the pod) or SIGINT, runs `stop` once and exits 0, or 1 when it fails. A second
 * signal exits at once, for a person pressing Ctrl-C twice.
 */
export function exitOnSignal(stop: () => Promise<void>): void {
  let stopping = false;
  const onSignal = (signal: NodeJS.Signals) => {
    if (stopping) {
      console.error(`${signal} again: exiting without waiting`);
      process.exit(1);
    }
    stopping = true;
    console.error(`${signal}: finishing in-flight calls, then exiting`);
    stop().then(
      () => process.exit(0),
      (e: unknown) => {
        console.error(`shutdown failed: ${e instanceof Error ? e.message : String(e)}`);
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
}
