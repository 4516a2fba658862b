#!/usr/bin/env node
'use strict';
// The `orderpool` command line: registers tsx so Node runs the TypeScript
// sources directly, then hands over to src/cli/main.ts.
require('tsx/cjs');
require('../src/cli/main.ts').runFromProcess();
