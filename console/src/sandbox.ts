// The sandbox as the console knows it from /console/config.json: which elements talk to an emulator,
// and each emulator's client and mailbox. No provider is named here; the server lists them.

import type { ConsoleConfig, SandboxElement } from './api/types.ts';

/** The emulator standing in for an element's provider; undefined outside the sandbox or for other elements. */
export function sandboxElementOf(config: ConsoleConfig, elementKey: string): SandboxElement | undefined {
  return config.sandbox ? config.sandboxElements?.find((entry) => entry.elementKey === elementKey) : undefined;
}
