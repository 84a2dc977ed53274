// What the Google and Microsoft emulators share, whatever the provider: fault injection and its
// answer, the latency model and response delay, the common control verbs and routes with their body
// readers, the OAuth client registry, the consent page's form, the id_token signing key, the PKCE
// check, the mailbox directory, the Fastify application's set-up, start options and the standalone
// command's parsing. Each emulator passes in its provider's knowledge (error bodies, wording,
// endpoints, mail model); the emulators import this folder only through this file.

export * from './authorizationCode.ts';
export * from './clientRegistry.ts';
export * from './commandLine.ts';
export * from './consentPage.ts';
export * from './controlBody.ts';
export * from './controlError.ts';
export * from './controlRoutes.ts';
export * from './emulatorApp.ts';
export * from './emulatorControl.ts';
export * from './faultResponder.ts';
export * from './faults.ts';
export * from './latencyModel.ts';
export * from './mailboxDirectory.ts';
export * from './responseDelay.ts';
export * from './signingKey.ts';
export * from './startOptions.ts';
