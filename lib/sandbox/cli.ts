#!/usr/bin/env node
// passport-ding-sandbox: runs the sandbox (Prelude Verify V2 under /v2, the legacy Ding V1 under
// /v1) and prints both base URLs, the API each speaks, the credentials and every code it "sends". Showing codes is the whole
// point of this command; nothing else in the package logs one. The command is cli-main.ts; this
// file, the executable, only hands it the arguments and Node's own process and console.
import { main } from './cli-main.js';

void main(process.argv.slice(2), process, console);
