// The elements catalog: each connector, how it authenticates, its resources and which of them can be
// polled for events.

import { useConsole } from '../consoleContext.ts';
import { useApiData } from '../hooks/useApiData.ts';
import { Link } from '../router.tsx';
import { LoadProblem } from '../components/LoadProblem.tsx';

const POLLING_LABEL: Record<string, string> = {
  cursor: 'changes since a cursor',
  window: 'date window',
  listing: 'full listing, diffed',
};

export function ElementsPage() {
  const { api } = useConsole();
  const elements = useApiData(() => api.listElements(), [api]);
  return (
    <section>
      <h1>Elements</h1>
      <LoadProblem state={elements} what="the elements" />
      {elements.data?.map((element) => (
        <article key={element.key} className="card" aria-labelledby={`element-${element.key}`}>
          <div className="card-head">
            <h2 id={`element-${element.key}`}>
              {element.name} <code>{element.key}</code>
            </h2>
            <Link className="button" to={`/instances/new?element=${encodeURIComponent(element.key)}`}>
              Authenticate instance
            </Link>
          </div>
          {element.description ? <p>{element.description}</p> : null}
          <dl className="facts">
            <dt>Vendor</dt>
            <dd>{element.vendor}</dd>
            <dt>Authentication</dt>
            <dd>{element.authentication?.type ?? '—'}</dd>
            <dt>Hub</dt>
            <dd>{element.hub}</dd>
            <dt>Events</dt>
            <dd>{element.events?.supported ? element.events.methods.join(', ') : 'not supported'}</dd>
          </dl>
          <div className="table-scroll">
            <table>
              <caption>Resources</caption>
              <thead>
                <tr>
                  <th scope="col">Resource</th>
                  <th scope="col">Methods</th>
                  <th scope="col">Polling</th>
                  <th scope="col">Description</th>
                </tr>
              </thead>
              <tbody>
                {element.resources.map((resource) => (
                  <tr key={resource.name}>
                    <td>
                      <code>{resource.path}</code>
                    </td>
                    <td>{resource.methods.join(' ')}</td>
                    <td>{resource.polling ? POLLING_LABEL[resource.polling] ?? resource.polling : '—'}</td>
                    <td>{resource.description ?? ''}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </article>
      ))}
    </section>
  );
}
