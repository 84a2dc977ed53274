// The instance's Standard Webhooks secret (whsec_…), which receivers verify `webhook-signature` with:
// hidden until asked for, and rotatable (old signatures stop verifying at once, hence the question).

import { useState } from 'react';
import { useConsole } from '../consoleContext.ts';
import { ConfirmDialog } from './ConfirmDialog.tsx';
import { CopyButton } from './CopyButton.tsx';

export function WebhookSecretPanel({ instanceId }: { instanceId: number }) {
  const { api } = useConsole();
  const [secret, setSecret] = useState<string>();
  const [confirming, setConfirming] = useState(false);
  const [problem, setProblem] = useState('');
  const act = (load: () => Promise<string>) => {
    setProblem('');
    load().then(setSecret, (error: Error) => setProblem(error.message));
  };
  return (
    <section aria-labelledby="webhook-secret-heading">
      <h2 id="webhook-secret-heading">Webhook signing secret</h2>
      <p>
        Each delivery carries <code>webhook-id</code>, <code>webhook-timestamp</code> and <code>webhook-signature</code> (Standard Webhooks), signed with
        this secret.
      </p>
      {secret ? (
        <p>
          <code className="wrap">{secret}</code> <CopyButton value={secret} label="secret" />
        </p>
      ) : null}
      {problem ? (
        <p className="form-error" role="alert">
          {problem}
        </p>
      ) : null}
      <div className="actions">
        {secret ? (
          <button type="button" className="secondary" onClick={() => setSecret(undefined)}>
            Hide secret
          </button>
        ) : (
          <button type="button" className="secondary" onClick={() => act(() => api.webhookSecret(instanceId))}>
            Show secret
          </button>
        )}
        <button type="button" className="secondary" onClick={() => setConfirming(true)}>
          Rotate secret
        </button>
      </div>
      <ConfirmDialog
        open={confirming}
        title="Rotate the signing secret?"
        confirmLabel="Rotate"
        onCancel={() => setConfirming(false)}
        onConfirm={() => {
          setConfirming(false);
          act(() => api.rotateWebhookSecret(instanceId));
        }}
      >
        <p>Receivers must switch to the new secret: signatures made with it do not verify with the old one.</p>
      </ConfirmDialog>
    </section>
  );
}
