import { SandboxViolationError } from './sandbox-violation.error';

/**
 * Runs one upstream call under the profile's wall-clock limit. On expiry `onTimeout` runs (the gateway
 * kills the sandbox and restarts the server) and the call fails with {@link SandboxViolationError}.
 */
export async function withWallClock<T>(
  work: Promise<T>,
  limitMs: number,
  onTimeout: () => Promise<void>,
): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  let killing: Promise<void> | undefined;
  const violation = new SandboxViolationError({
    kind: 'wall_clock',
    source: 'gateway',
    detail: `call exceeded the wall-clock limit of ${limitMs} ms; the server was killed`,
  });
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      killing = onTimeout();
      reject(violation);
    }, limitMs);
  });
  try {
    return await Promise.race([work, expired]);
  } catch (error) {
    if (killing) {
      await killing.catch(() => undefined);
      throw violation;
    }
    throw error;
  } finally {
    clearTimeout(timer);
  }
}
