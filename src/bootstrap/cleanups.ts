/** Stop steps, run newest first, so services stop in the reverse order they started. */
export type Cleanups = Array<() => Promise<void>>;

export async function runCleanups(cleanups: Cleanups, onError: (error: unknown) => void): Promise<void> {
  for (const cleanup of cleanups.splice(0).reverse()) {
    await cleanup().catch(onError);
  }
}
