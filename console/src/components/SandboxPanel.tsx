// Sandbox only: drops a test email into a connected instance's emulated mailbox (in the emulator of the
// instance's element), so a newcomer sees the poller turn it into a CREATED event and a webhook within
// seconds.

import { useState, type FormEvent } from 'react';
import type { Instance } from '../api/types.ts';
import { useConsole } from '../consoleContext.ts';
import { formatInterval } from '../format.ts';
import { sandboxElementOf } from '../sandbox.ts';
import { Field } from './Field.tsx';

export function SandboxPanel({ instances }: { instances: readonly Instance[] }) {
  const { api, config } = useConsole();
  // Only mailboxes an emulator holds: instances whose element the sandbox points at one.
  const connected = instances.filter((i) => i.providerAccount && sandboxElementOf(config, i.element.key));
  const [instanceId, setInstanceId] = useState<number>();
  const [subject, setSubject] = useState('Hello from the Changehook sandbox');
  const [status, setStatus] = useState('');
  const [busy, setBusy] = useState(false);
  if (!config.sandbox || connected.length === 0) return null;
  const target = connected.find((i) => i.id === instanceId) ?? connected[0]!;

  const send = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setStatus('');
    try {
      const sent = await api.sendTestEmail(target.id, { subject, text: `Sent from the console at ${new Date().toISOString()}.` });
      const wait = target.eventsEnabled ? `Its event appears below within ${formatInterval(target.eventsPollerRefreshInterval)}.` : 'Turn events on to see it as an event.';
      setStatus(`Sent to ${sent.mailbox}. ${wait}`);
    } catch (error) {
      setStatus(`Not sent: ${(error as Error).message}`);
    } finally {
      setBusy(false);
    }
  };

  return (
    <section className="sandbox-panel" aria-labelledby="sandbox-heading">
      <h2 id="sandbox-heading">Sandbox: send a test email</h2>
      <form onSubmit={send} className="inline-form">
        {connected.length > 1 ? (
          <Field id="sandbox-instance" label="To the mailbox of">
            <select id="sandbox-instance" value={target.id} onChange={(e) => setInstanceId(Number(e.target.value))}>
              {connected.map((i) => (
                <option key={i.id} value={i.id}>
                  {i.name} ({i.providerAccount})
                </option>
              ))}
            </select>
          </Field>
        ) : (
          <p>
            To <code>{target.providerAccount}</code>
          </p>
        )}
        <Field id="sandbox-subject" label="Subject">
          <input id="sandbox-subject" name="subject" value={subject} onChange={(e) => setSubject(e.target.value)} />
        </Field>
        <div className="actions">
          <button type="submit" disabled={busy}>
            Send test email
          </button>
        </div>
      </form>
      <p role="status" className="status-line">
        {status}
      </p>
    </section>
  );
}
