/**
 * Resolves once anything answers HTTP at `url` (any status: some servers have no `/models`), and rejects
 * with the network error when nothing does.
 */
export async function probeEndpoint(url: string, signal: AbortSignal): Promise<void> {
  const response = await fetch(url, { signal });
  await response.body?.cancel();
}
