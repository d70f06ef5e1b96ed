#!/usr/bin/env node
// The passport-ding-sandbox executable: hands the command (cli-main.ts) the arguments and Node's
// own process and console.
import { main } from './cli-main.js';

void main(process.argv.slice(2), process, console);
