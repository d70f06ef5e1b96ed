// `express4` is express@4 installed under an alias (package.json); it has no types of its own.
// Its API surface used by the tests is the same as Express 5's.
declare module 'express4' {
  import express from 'express';
  export default express;
}
