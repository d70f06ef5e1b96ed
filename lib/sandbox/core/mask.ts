// Phone numbers in the CLI's output are masked as the library masks them everywhere
// (`pendingVerification()`, events): `+1•••••4567`, so a CLI line matches the page it belongs to.
export { maskPhone } from '../../phone.js';
