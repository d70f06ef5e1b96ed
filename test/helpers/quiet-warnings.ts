// Vitest setup: the warnings passport-ding emits on purpose (a failing onEvent handler, a webhook
// answered 500) come from tests that provoke them and assert them through process.on('warning');
// printed as well, they would make a green run look broken. Every other warning is still printed
// by Node's own printer.
const OURS = /^PASSPORT_DING_/;
const printers = process.listeners('warning');
process.removeAllListeners('warning');
process.on('warning', (warning: Error & { code?: string }) => {
  if (OURS.test(warning.code ?? '')) return;
  for (const print of printers) print(warning);
});
