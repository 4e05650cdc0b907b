#!/usr/bin/env node
import { runBench } from './main.js';

const { failedSections } = await runBench(process.argv.slice(2));
if (failedSections.length > 0) process.exitCode = 1;
