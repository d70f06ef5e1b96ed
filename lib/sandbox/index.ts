// passport-ding/sandbox: a Prelude- and Ding-compatible OTP server for development and tests,
// serving Prelude Verify V2 under /v2 (`sandbox.preludeUrl`) and Ding V1 under /v1
// (`sandbox.url`). No SMS is sent; codes go to `onCode`, `latestCode()` and the CLI's output.
export { startDingSandbox } from './sandbox.js';
export { createTestClock } from './core/clock.js';
export { FAULT_MODES, PRELUDE_SANDBOX_OPERATIONS, SANDBOX_OPERATIONS } from './types.js';
export type {
  AnyOperation,
  CodeEvent,
  DingSandbox,
  DingSandboxOptions,
  FaultMode,
  NumberBehavior,
  PreludeNumberScript,
  PreludeSandboxOperation,
  SandboxFault,
  SandboxOperation,
  SandboxStats,
  TestClock,
  WebhookStats,
} from './types.js';
