/** How many requests hold a slot: `take` counts one in and hands back its release. */
export class SlotCount {
  private held = 0;

  /** Requests currently holding a slot. */
  get active(): number {
    return this.held;
  }

  /**
   * Counts one more request in. The returned release counts it out and then calls `freed` (to start the next
   * one), the first time only: completion, error and teardown may all call it.
   */
  take(freed: () => void): () => void {
    this.held += 1;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.held -= 1;
      freed();
    };
  }
}
