/**
 * Prints one figure for the closing note, in a form easy to grep from the test output:
 * `[figure] <name>: <value>`.
 */
export function figure(name: string, value: string | number): void {
  console.log(`[figure] ${name}: ${value}`);
}
