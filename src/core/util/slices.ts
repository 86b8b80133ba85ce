/**
 * Long loops on a thread that must stay responsive (the extension host): work in slices of a few
 * milliseconds, letting the event loop run in between.
 */

/** Resolves on a later turn of the event loop, after the I/O and timers that are due. */
export const nextTurn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/**
 * A pause to await once per item of a long loop: it waits for the next turn of the event loop
 * when `sliceMs` have passed since the last wait, and resolves at once otherwise.
 */
export function slicePacer(sliceMs = 10): () => Promise<void> {
  let sliceStart = performance.now();
  return async () => {
    if (performance.now() - sliceStart <= sliceMs) return;
    await nextTurn();
    sliceStart = performance.now();
  };
}
