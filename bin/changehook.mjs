#!/usr/bin/env node
// Entry point of the `changehook` command: runs the TypeScript CLI through tsx's loader.
import { register } from 'node:module';
import { pathToFileURL } from 'node:url';

register('tsx/esm', pathToFileURL('./'));
await import(new URL('../src/cli/main.ts', import.meta.url).href);
