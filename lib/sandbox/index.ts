// passport-ding/sandbox: a Ding-compatible OTP server for development and tests, serving Ding V1
// under /v1 and Prelude Verify V2 under /v2. No SMS is sent; codes go to `onCode`, `latestCode()`
// and the CLI's output.
export { startDingSandbox } from './sandbox.js';
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
} from './types.js';
