export { TrustedDevices } from './trusted-devices.js';
export { TrustedDeviceStoreError } from './errors.js';
export { MAX_TRUSTED_DAYS, TRUSTED_DEVICE_DEFAULTS, resolveTrustedDevices } from './options.js';
export type { TrustedDeviceSettings, TrustedDeviceStore, TrustedDevicesOptions } from './options.js';
export { rememberAfter } from './remember.js';
