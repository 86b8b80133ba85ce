/**
 * `npm run test:trainers`: do the training sets we export train as they are?
 *
 * Promotes a fixed selection of real traces (../shared/traces, one or two per importer with a model
 * turn) every way a user can, then, in a pinned Python environment (.cache/trainers-venv): loads
 * every file with `datasets`, renders every SFT and preference conversation through the three chat
 * templates with transformers' `apply_chat_template` and compares each verdict with the validator's
 * prediction, and hands each complete file to TRL's SFT, DPO and PRM trainers (with a tiny random
 * Llama and a tokenizer trained on the exported text): the trainer prepares every record under
 * every chat template the validator says renders the file, and trains 2 steps under one of them.
 * Exits 1 on any crash or disagreement, 2 when the environment cannot be made.
 *
 *   npm run test:trainers [-- --only <regex>] [--keep] [--no-train] [--every-template] [--verbose]
 *
 *   --only <regex>  only the selected traces whose path under ../shared/traces matches (e.g. toolbench|trail)
 *   --keep          keep the temp folder (sets, sidecars, plan.json) and print where it is
 *   --no-train      load and render only (seconds instead of minutes), no trainer runs
 *   --every-template  train 2 steps under every template, not one per file (about twice as long)
 *   --verbose       print one line per trainer run (by default they go to test-results/trainer-runs.log)
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';

const ROOT = resolve(__dirname, '..', '..');
const SHARED = resolve(ROOT, '..', 'shared');

interface Args { only?: RegExp; keep: boolean; train: boolean; everyTemplate: boolean; verbose: boolean }

function parseArgs(argv: string[]): Args {
  const args: Args = { keep: false, train: true, everyTemplate: false, verbose: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--keep') args.keep = true;
    else if (a === '--no-train') args.train = false;
    else if (a === '--every-template') args.everyTemplate = true;
    else if (a === '--verbose') args.verbose = true;
    else if (a === '--only' && argv[i + 1] !== undefined) args.only = new RegExp(argv[++i]);
    else {
      console.error(`test:trainers: unknown argument "${a}" (expected --only <regex>, --keep, --no-train, --every-template, --verbose)`);
      process.exit(2);
    }
  }
  return args;
}

async function main(): Promise<number> {
  const args = parseArgs(process.argv.slice(2));
  // Read by the core when it loads: set before importing it (fsync proves nothing here and costs minutes).
  process.env.AGENT_TRACE_NO_FSYNC = '1';
  const started = Date.now();
  const log = (line: string): void => console.log(line);
  for (const need of [join(SHARED, 'traces'), join(SHARED, 'chat-templates')]) {
    if (!existsSync(need)) {
      console.error(`test:trainers: ${need} is missing: check out the project with ../shared beside it (see README)`);
      return 2;
    }
  }

  log('[trainer check] Python environment');
  const { ensureVenv, EnvironmentError } = await import('./venv');
  let python: string;
  try {
    python = ensureVenv({ root: ROOT, requirements: join(__dirname, 'requirements.txt'), log });
  } catch (e) {
    if (e instanceof EnvironmentError) {
      console.error(`test:trainers: ${e.message}`);
      return 2;
    }
    throw e;
  }
  const venvSeconds = (Date.now() - started) / 1000;

  const { SELECTION } = await import('./selection');
  const { exportSelection } = await import('./export');
  const selection = SELECTION.filter((s) => !args.only || args.only.test(s.path));
  if (!selection.length) {
    console.error(`test:trainers: --only ${args.only} matches none of the ${SELECTION.length} selected traces`);
    return 2;
  }
  const work = mkdtempSync(join(tmpdir(), 'atd-trainers-'));
  try {
    log(`[trainer check] promoting ${selection.length} real traces 4 ways each`);
    const exportStarted = Date.now();
    const plan = await exportSelection({ tracesRoot: join(SHARED, 'traces'), templatesDir: join(SHARED, 'chat-templates'), work, selection, log });
    const exportSeconds = (Date.now() - exportStarted) / 1000;
    log(`  ${plan.files.length} files in ${exportSeconds.toFixed(0)} s`);

    log('[trainer check] datasets, chat templates (Python Jinja2), TRL trainers');
    const runsLog = join(ROOT, 'test-results', 'trainer-runs.log');
    if (!args.verbose) mkdirSync(dirname(runsLog), { recursive: true });
    const checkArgs = [
      join(__dirname, 'check.py'), join(work, 'plan.json'),
      ...(args.train ? [] : ['--no-train']), ...(args.everyTemplate ? ['--every-template'] : []), ...(args.verbose ? [] : ['--runs-log', runsLog]),
    ];
    const checked = spawnSync(python, checkArgs, {
      stdio: 'inherit',
      env: {
        ...process.env,
        // Nothing is downloaded: the model is built from a config and the tokenizer trained here.
        HF_HUB_OFFLINE: '1', HF_DATASETS_OFFLINE: '1', TRANSFORMERS_OFFLINE: '1',
        HF_HOME: join(work, 'hf-home'), HF_DATASETS_CACHE: join(work, 'hf-datasets'),
        // One thread: on a shared 2-core machine a second one spins more than it computes.
        TOKENIZERS_PARALLELISM: 'false', OMP_NUM_THREADS: '1',
        // TRL warns on importing its PRM trainer from trl.experimental; we pin the version, so it is noise.
        TRL_EXPERIMENTAL_SILENCE: '1',
        WANDB_DISABLED: 'true', DISABLE_MLFLOW_INTEGRATION: 'TRUE', PYTHONUNBUFFERED: '1', PYTHONDONTWRITEBYTECODE: '1',
      },
    });
    const total = (Date.now() - started) / 1000;
    log(`[trainer check] ${total.toFixed(0)} s in all (environment ${venvSeconds.toFixed(0)} s, promotions ${exportSeconds.toFixed(0)} s)`);
    if (checked.error) {
      console.error(`test:trainers: cannot run ${python}: ${checked.error.message}`);
      return 2;
    }
    // The closing line counts what was checked (files loaded, template verdicts, trainer runs).
    // CI reads it as a test summary only with a single word before the colon.
    const counts = readCounts(join(work, 'counts.json'));
    if (counts) log(`\ntrainers: ${counts.passed} passed, ${counts.failed} failed`);
    return checked.status ?? 1;
  } finally {
    if (args.keep) log(`  kept ${work}`);
    else rmSync(work, { recursive: true, force: true });
  }
}

main().then((code) => process.exit(code), (e: unknown) => {
  console.error(e instanceof Error ? e.stack ?? e.message : String(e));
  process.exit(1);
});

function readCounts(file: string): { passed: number; failed: number } | undefined {
  try {
    const parsed = JSON.parse(readFileSync(file, 'utf8')) as { passed?: unknown; failed?: unknown };
    return typeof parsed.passed === 'number' && typeof parsed.failed === 'number' ? { passed: parsed.passed, failed: parsed.failed } : undefined;
  } catch {
    return undefined; // check.py stopped before its summary: its own output says why
  }
}
