// passport-ding/sandbox: a Ding-compatible OTP server for development and tests. No SMS is sent;
// codes go to `onCode`, `latestCode()` and the CLI's output.
export { startDingSandbox } from './sandbox.js';
export { FAULT_MODES, SANDBOX_OPERATIONS } from './types.js';
export type {
  CodeEvent,
  DingSandbox,
  DingSandboxOptions,
  FaultMode,
  NumberBehavior,
  SandboxFault,
  SandboxOperation,
  SandboxStats,
} from './types.js';
