// A task's records piped through ordinary RxJS operators. `take(5)` completes early: every LM call still
// in flight is aborted (the server sees its connections closed) and the process exits at once.
//
//   npx tsx samples/pipe-into-rxjs.ts [--config-path FILE] [--output-dir DIR]
//
// Without --config-path the geography builder talks to Ollama at $OLLAMA_HOST (default localhost:11434).
import { bufferCount, map, take } from 'rxjs';
import { checkEngines, prepareRun } from '../lib/index.ts';

const option = (name: string): string | undefined => {
  const index = process.argv.indexOf(name);
  return index === -1 ? undefined : process.argv[index + 1];
};
const configPath = option('--config-path');

const prepared = await prepareRun({
  taskPaths: ['samples/geography-qa'],
  configPath,
  outputDir: option('--output-dir') ?? 'output/pipe-into-rxjs',
  restart: true,
}).then(async (run) => (await checkEngines(run.engines), run)).catch((error: Error) => {
  console.error(`pipe-into-rxjs: ${error.message}`);
  process.exit(1);
});

const [task] = prepared.tasks;
task!
  .run()
  .pipe(
    take(5),
    bufferCount(2),
    map((records, index) => `batch ${index + 1}: ${records.map((record) => record['question']).join(' | ')}`),
  )
  .subscribe({
    next: (line) => console.log(line),
    complete: () => console.log('done: 5 records taken, the other LM calls cancelled'),
  });
