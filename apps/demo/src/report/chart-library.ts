import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

/**
 * The minified UMD build of Chart.js from node_modules, to inline into the report so that it
 * renders offline with no file beside it.
 */
export async function chartJsSource(): Promise<string> {
  const entry = createRequire(import.meta.url).resolve('chart.js');
  const source = await readFile(join(dirname(entry), 'chart.umd.min.js'), 'utf8');
  // A literal "</script" inside the library would end the inline script element early.
  return source.replace(/<\/script/gi, '<\\/script');
}
