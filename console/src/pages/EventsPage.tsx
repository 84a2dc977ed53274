// The organization's events across instances, live.

import { EventsPanel } from '../components/EventsPanel.tsx';
import { SandboxPanel } from '../components/SandboxPanel.tsx';
import { useConsole } from '../consoleContext.ts';
import { useApiData } from '../hooks/useApiData.ts';

export function EventsPage() {
  const { api } = useConsole();
  const instances = useApiData(() => api.listInstances(), [api]);
  return (
    <section>
      <h1>Events of the organization</h1>
      <SandboxPanel instances={instances.data ?? []} />
      <EventsPanel instances={instances.data ?? []} />
    </section>
  );
}
