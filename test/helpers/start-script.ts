// `npm start` as a user runs it, in a child process: tsx on example/start.ts with no credentials
// in the environment (so the in-process sandbox), stdout and stderr gathered into one text.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../..', import.meta.url));
const tsx = fileURLToPath(new URL('../../node_modules/tsx/dist/cli.mjs', import.meta.url));

// Settings a developer's shell may hold that would take the example off the sandbox.
const CLEARED = ['DING_API_KEY', 'DING_CUSTOMER_UUID', 'PRELUDE_API_KEY', 'EXAMPLE_PROVIDER', 'REDIS_URL'];

export interface StartScript {
  /** Everything printed so far, stdout and stderr together. */
  output(): string;
  /** Resolves with the first match of `pattern` in the output; rejects after `ms`, quoting the output. */
  waitFor(pattern: RegExp, ms?: number): Promise<RegExpMatchArray>;
  /** SIGTERM, then the exit status. */
  stop(): Promise<number | null>;
  /** For afterAll: SIGKILL if still running. */
  kill(): void;
}

/** Starts the example on a free port on 127.0.0.1; `env` is added after the credentials are cleared. */
export function startScript(env: NodeJS.ProcessEnv = {}): StartScript {
  const childEnv: NodeJS.ProcessEnv = { ...process.env, PORT: '0', HOST: '127.0.0.1' };
  for (const name of CLEARED) delete childEnv[name];
  Object.assign(childEnv, env);
  const child = spawn(process.execPath, [tsx, 'example/start.ts'], { cwd: root, env: childEnv });
  let output = '';
  child.stdout.setEncoding('utf8');
  child.stderr.setEncoding('utf8');
  child.stdout.on('data', (chunk: string) => (output += chunk));
  child.stderr.on('data', (chunk: string) => (output += chunk));

  return {
    output: () => output,
    waitFor(pattern, ms = 25_000) {
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no ${pattern} in the output:\n${output}`)), ms);
        const check = (): void => {
          const match = pattern.exec(output);
          if (!match) return;
          clearTimeout(timer);
          child.stdout.off('data', check);
          resolve(match);
        };
        child.stdout.on('data', check);
        check();
      });
    },
    stop() {
      const exited = new Promise<number | null>((resolve) => child.once('exit', (status) => resolve(status)));
      child.kill('SIGTERM');
      return exited;
    },
    kill() {
      if (child.exitCode === null) child.kill('SIGKILL');
    },
  };
}
