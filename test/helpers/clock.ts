// One clock for the sandbox and the strategy: the sandbox's public createTestClock(), which users
// get from passport-ding/sandbox too. It stands still and moves only when a test says so.
export { createTestClock as testClock, type TestClock } from '../../lib/sandbox/index.js';
