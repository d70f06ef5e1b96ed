// A Ding sandbox in a process of its own (micro.ts forks it), so the CPU a client measures in
// the bench process is the client's alone. Sends { url, apiKey, customerUuid } once listening.
import { loadSandbox } from './dist.js';

const { startDingSandbox } = await loadSandbox();
const sandbox = await startDingSandbox();
process.send?.({ url: sandbox.url, apiKey: sandbox.apiKey, customerUuid: sandbox.customerUuid });
process.on('disconnect', () => void sandbox.close().then(() => process.exit(0)));
