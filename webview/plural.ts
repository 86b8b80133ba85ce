/** A count and its noun as the webviews write them: "1 step", "1,024 steps". Pure: unit-tested in plain Node. */
export function counted(count: number, noun: string, plural = `${noun}s`): string {
  return `${count.toLocaleString('en-US')} ${count === 1 ? noun : plural}`;
}
