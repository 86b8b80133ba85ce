/**
 * Long loops on a thread that must stay responsive (the extension host): work in slices of a few
 * milliseconds, letting the event loop run in between.
 */

/** Tasks waiting for their turn, oldest first (see `inTurn`). */
const waiting: (() => void)[] = [];
let turnScheduled = false;

/**
 * Runs `task` on a turn of the event loop of its own, after the tasks given before it. Node runs
 * in one go every `setImmediate` callback queued before its phase began: a read's decode, its
 * indexing and a search, each a slice of 15-30 ms, held the extension host's thread for 60-140 ms
 * at once while a 10^6-step trace opened. Through this one queue, each slice is followed by the
 * I/O, timers and other callbacks that are due before the next one runs.
 */
export function inTurn(task: () => void): void {
  waiting.push(task);
  if (turnScheduled) return;
  turnScheduled = true;
  setImmediate(runNextTask);
}

function runNextTask(): void {
  const task = waiting.shift();
  try {
    task?.();
  } finally {
    // A task that throws still leaves the others their turns (and throws, as a callback would).
    if (waiting.length > 0) setImmediate(runNextTask);
    else turnScheduled = false;
  }
}

/** Resolves on a later turn of the event loop, after the I/O and timers that are due (a turn of `inTurn`'s queue). */
export const nextTurn = (): Promise<void> => new Promise((resolve) => inTurn(resolve));

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
