// createApp with Redis and an option the strategies refuse (a test number whose expiry has
// passed), for test/example/refused-options.test.ts to run as a child process (`node --import
// tsx`). It prints the refusal and returns without process.exit: the process ends by itself only
// if createApp closed the Redis connection it had opened before the refusal.
import { createApp } from '../../example/app.js';
import { createLogger } from '../../example/logger.js';

try {
  await createApp({
    ding: { provider: 'prelude', apiKey: 'prelude-test-key', baseUrl: 'http://127.0.0.1:9' },
    sandbox: true,
    redisUrl: process.env.REDIS_URL,
    logger: createLogger(() => {}),
    testNumbers: { numbers: { '+12015550100': '424242' }, expiresAt: new Date(Date.now() - 60_000) },
  });
  console.log('built');
} catch (err) {
  console.log(`refused: ${err instanceof Error ? err.message : String(err)}`);
}
