// The passport-ding-sandbox command itself, apart from cli.ts (the executable, which runs it on
// import) so that a test can run it inside the test's own process, with its own arguments,
// process and console: coverage and mutation testing see only code that runs there.
// It runs the sandbox (Prelude Verify V2 under /v2, the legacy Ding V1 under /v1) and prints both
// base URLs, the API each speaks, the credentials and every code it "sends". Showing codes is the
// whole point of this command; nothing else in the package logs one.
import { parseArgs } from 'node:util';
import { NAMED_BEHAVIORS } from './options.js';
import { startDingSandbox } from './sandbox.js';
import { codeLines } from './code-lines.js';
import type { DingSandboxOptions, NumberBehavior } from './types.js';

const USAGE = `Usage: passport-ding-sandbox [options]

  --port <n>             port to listen on (default 8420; 0 = any free port)
  --host <addr>          address to bind (default 127.0.0.1)
  --api-key <key>        API key clients must send: the Bearer token on Prelude V2,
                         x-api-key on Ding V1 (default: random)
  --customer-uuid <id>   customer UUID Ding V1 clients must send (default: random)
  --code-length <n>      digits per code (default 6)
  --ttl <seconds>        life of an authentication (default 600)
  --max-attempts <n>     wrong codes per code sent (default 5; then V2 answers
                         expired_or_not_found, V1 rate_limited)
  --cooldown <seconds>   Ding V1 only: wait between sends of one authentication
                         (default 30; V2 has no resend cooldown)
  --max-retries <n>      retries per authentication (default 3)
  --latency <ms>         delay before every answer (default 0)
  --number <e164=kind>   scripted number, repeatable; kind is one of rate_limited,
                         spam_detected, blocked_number, unsupported_region, invalid_line,
                         undeliverable
  -h, --help             show this help`;

const NUMERIC = {
  port: 'port',
  'code-length': 'codeLength',
  ttl: 'ttlSeconds',
  'max-attempts': 'maxAttempts',
  cooldown: 'retryCooldownSeconds',
  'max-retries': 'maxRetries',
  latency: 'latencyMs',
} as const;
const KINDS: ReadonlySet<string> = new Set(NAMED_BEHAVIORS);

class UsageError extends Error {}

function toOptions(argv: string[]): DingSandboxOptions | 'help' {
  const { values } = parseArgs({
    args: argv,
    strict: true,
    allowPositionals: false,
    options: {
      port: { type: 'string' },
      host: { type: 'string' },
      'api-key': { type: 'string' },
      'customer-uuid': { type: 'string' },
      'code-length': { type: 'string' },
      ttl: { type: 'string' },
      'max-attempts': { type: 'string' },
      cooldown: { type: 'string' },
      'max-retries': { type: 'string' },
      latency: { type: 'string' },
      number: { type: 'string', multiple: true },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) return 'help';
  const options: DingSandboxOptions = { port: 8420 };
  if (values.host !== undefined) options.host = values.host;
  if (values['api-key'] !== undefined) options.apiKey = values['api-key'];
  if (values['customer-uuid'] !== undefined) options.customerUuid = values['customer-uuid'];
  for (const [flag, key] of Object.entries(NUMERIC)) {
    const raw = values[flag as keyof typeof NUMERIC];
    if (raw === undefined) continue;
    const n = Number(raw);
    if (raw.trim() === '' || !Number.isFinite(n)) throw new UsageError(`--${flag} must be a number`);
    options[key] = n;
  }
  const numbers: Record<string, NumberBehavior> = {};
  for (const spec of values.number ?? []) {
    const [phone, kind] = spec.split('=');
    if (!phone || !kind || !KINDS.has(kind)) throw new UsageError(`--number takes +E164=kind, e.g. +12015550101=blocked_number`);
    numbers[phone] = kind as NumberBehavior;
  }
  if (Object.keys(numbers).length > 0) options.numbers = numbers;
  return options;
}

/** What the CLI needs of its process; Node's `process` is one. */
export interface CliProcess {
  exitCode: number | string | undefined;
  exit(code: number): void;
  once(signal: 'SIGINT' | 'SIGTERM', listener: () => void): unknown;
}

/** Where the CLI prints; Node's `console` is one. */
export interface CliOutput {
  log(text: string): void;
  error(text: string): void;
}

async function run(argv: string[], process: CliProcess, console: CliOutput): Promise<void> {
  let options: DingSandboxOptions | 'help';
  try {
    options = toOptions(argv);
  } catch (err) {
    console.error(`passport-ding-sandbox: ${(err as Error).message}\n\n${USAGE}`);
    process.exitCode = 2;
    return;
  }
  if (options === 'help') {
    console.log(USAGE);
    return;
  }
  options.onCode = (event) => console.log(codeLines(event));
  const sandbox = await startDingSandbox(options);
  console.log(`passport-ding-sandbox listening on ${sandbox.preludeUrl}`);
  // The V2 base has no /v2: clients (PreludeProvider, @prelude.so/sdk) add it.
  console.log(`  prelude url:   ${sandbox.preludeUrl} (Prelude Verify V2: baseUrl with apiKey alone; the api key is the Bearer token)`);
  console.log(`  ding url:      ${sandbox.url} (Ding V1, legacy: baseUrl with apiKey + customerUuid)`);
  console.log(`  api key:       ${sandbox.apiKey}`);
  console.log(`  customer uuid: ${sandbox.customerUuid} (Ding V1 only)`);
  const stop = (): void => {
    void sandbox.close().then(() => process.exit(0));
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

/**
 * The whole command: `argv` are the arguments after the script's path. cli.ts calls it with
 * Node's `process` and `console`; a test calls it with its own, in its process.
 */
export function main(argv: string[], process: CliProcess, console: CliOutput): Promise<void> {
  return run(argv, process, console).catch((err: unknown) => {
    // Bad option values (RangeError/TypeError) and listen errors (EADDRINUSE) end here.
    console.error(`passport-ding-sandbox: ${err instanceof Error ? err.message : String(err)}`);
    process.exit(1);
  });
}
