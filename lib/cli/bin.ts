#!/usr/bin/env node
import { join } from 'node:path';
import { main } from './main.ts';

process.exitCode = await main(process.argv.slice(2), process.stdout, process.stderr, { dotEnvPath: join(process.cwd(), '.env') });
