// Every limit rule turned off: tests turn on the one rule they are about, so a pattern shows what
// that rule alone stops.
import type { LimitsOptions } from '../../lib/limits/index.js';

export const ALL_RULES_OFF: LimitsOptions = {
  sendsPerPhone: false,
  sendsPerIp: false,
  sendsPerNetwork: false,
  sendsPerNumberBlock: false,
  sendsPerCountry: false,
  sendsGlobal: false,
  failedChecksPerPhone: false,
  failedChecksPerIp: false,
  consecutiveFailuresPerPhone: false,
};
