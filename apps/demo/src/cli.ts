#!/usr/bin/env node
import { Command, InvalidArgumentError } from 'commander';

function port(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 65535) {
    throw new InvalidArgumentError('a port is an integer from 0 to 65535 (0 picks a free one).');
  }
  return n;
}

const program = new Command()
  .name('demo')
  .description(
    'Semantic LLM cache demo. Without a subcommand: a tour of the four cache scenarios and a replayed workload, offline.',
  )
  .action(async () => {
    const { runTour } = await import('./tour.js');
    await runTour();
  });

program
  .command('compare')
  .description('replay one workload through several cache configurations and write an HTML report')
  .option(
    '--workload <file>',
    'labeled pairs (CSV question1,question2,is_duplicate or JSON) or prompts (JSON)',
  )
  .option('--out <file>', 'where to write the HTML report', 'report.html')
  .option('--no-progress', 'do not show a progress bar')
  .action(async (options: { workload?: string; out: string; progress: boolean }) => {
    const { runCompare } = await import('./compare/command.js');
    await runCompare(options);
  });

program
  .command('serve')
  .description(
    'OpenAI-compatible caching service (POST /v1/chat/completions, /metrics, dashboard at /)',
  )
  .option('--port <n>', 'port to listen on', port, Number(process.env.PORT ?? 8080))
  .option('--host <address>', 'address to bind', process.env.HOST ?? '127.0.0.1')
  .action(async (options: { port: number; host: string }) => {
    const { runServe } = await import('./serve/main.js');
    await runServe(options);
  });

program.parseAsync(process.argv).catch((error: unknown) => {
  console.error(`demo: ${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = 1;
});
