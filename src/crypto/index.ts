export { Keyring, keyIdOf, generateMasterKey } from './envelopeEncryption.ts';
export { generateSecret, hashSecret, secretMatches } from './secretHash.ts';
export { loadKeyring, beginKeyFileRotation, finishKeyFileRotation, masterKeyFile } from './masterKeys.ts';
export {
  elementsSignature,
  verifyElementsSignature,
  generateWebhookSecret,
  standardWebhookHeaders,
  verifyStandardWebhook,
  type StandardWebhookHeaders,
} from './webhookSignature.ts';
