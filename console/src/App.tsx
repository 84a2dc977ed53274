// The console's shell: sign-in gate, navigation, sandbox banner and the route table.

import { useEffect, useMemo, useRef, useState } from 'react';
import { ApiClient, fetchConsoleConfig, type Credentials } from './api/apiClient.ts';
import type { ConsoleConfig } from './api/types.ts';
import { ConsoleContext, type ConsoleContextValue } from './consoleContext.ts';
import { OAUTH_CALLBACK_PATH } from './instanceForm.ts';
import { AuthenticateInstancePage } from './pages/AuthenticateInstancePage.tsx';
import { ElementsPage } from './pages/ElementsPage.tsx';
import { EventsPage } from './pages/EventsPage.tsx';
import { InstanceDetailPage } from './pages/InstanceDetailPage.tsx';
import { InstancesPage } from './pages/InstancesPage.tsx';
import { OAuthCallbackPage } from './pages/OAuthCallbackPage.tsx';
import { SignInPage } from './pages/SignInPage.tsx';
import { Link, matchPath, navigate, useLocation } from './router.tsx';
import { forgetSession, loadCredentials, saveCredentials } from './session.ts';

function SandboxBanner({ config }: { config: ConsoleConfig }) {
  if (!config.sandbox) return null;
  const elements = config.sandboxElements ?? [];
  const mailboxes = [...new Set(elements.map((entry) => entry.mailbox))];
  return (
    <div className="sandbox-banner" role="note">
      <strong>Sandbox.</strong> The providers are emulators
      {elements.length > 0 ? (
        <>
          {' '}
          (
          {elements.map((entry, index) => (
            <span key={entry.elementKey} data-sandbox-element={entry.elementKey}>
              {index > 0 ? ', ' : ''}
              {entry.vendor} at <code>{entry.emulatorUrl}</code>
            </span>
          ))}
          )
        </>
      ) : null}
      : any email address signs in
      {mailboxes.length > 0 ? (
        <>
          {' '}
          (try{' '}
          {mailboxes.map((mailbox, index) => (
            <span key={mailbox}>
              {index > 0 ? ' or ' : ''}
              <code>{mailbox}</code>
            </span>
          ))}
          )
        </>
      ) : null}
      , and an instance's page can send its mailbox a test email.
    </div>
  );
}

/** The tab's title names the page, for history, bookmarks and screen readers. */
function pageTitle(path: string): string {
  if (path === '/instances/new') return 'Authenticate instance';
  if (path === OAUTH_CALLBACK_PATH) return 'Creating instance';
  if (/^\/instances\/\d+$/.test(path)) return `Instance ${path.split('/')[2]}`;
  const section = path.split('/')[1] ?? '';
  return section ? section[0]!.toUpperCase() + section.slice(1) : 'Instances';
}

function Redirect({ to }: { to: string }) {
  useEffect(() => navigate(to, { replace: true }), [to]);
  return null;
}

function Routes() {
  const { path } = useLocation();
  if (path === '/' || path === '') return <Redirect to="/instances" />;
  if (path === '/instances') return <InstancesPage />;
  if (path === '/instances/new') return <AuthenticateInstancePage />;
  if (path === '/elements') return <ElementsPage />;
  if (path === '/events') return <EventsPage />;
  if (path === OAUTH_CALLBACK_PATH) return <OAuthCallbackPage />;
  const instance = matchPath('/instances/:id', path);
  if (instance && /^\d+$/.test(instance.id ?? '')) return <InstanceDetailPage id={Number(instance.id)} />;
  return (
    <section>
      <h1>Not found</h1>
      <p>
        No console page at <code>{path}</code>. <Link to="/instances">Go to instances</Link>.
      </p>
    </section>
  );
}

export function App() {
  const [credentials, setCredentials] = useState<Credentials | undefined>(loadCredentials);
  const [config, setConfig] = useState<ConsoleConfig>();
  const { path } = useLocation();
  const main = useRef<HTMLElement>(null);

  useEffect(() => {
    void fetchConsoleConfig().then(setConfig);
  }, []);

  // After an in-app navigation, keyboard and screen-reader users continue from the new page's content
  // (a fresh page load keeps the browser's own start: the skip link first).
  useEffect(() => {
    document.title = `${credentials ? pageTitle(path) : 'Sign in'} · Changehook`;
  }, [path, credentials]);

  const shownPath = useRef(path);
  useEffect(() => {
    if (shownPath.current === path) return;
    shownPath.current = path;
    main.current?.focus({ preventScroll: true });
  }, [path]);

  const context = useMemo<ConsoleContextValue | undefined>(() => {
    if (!credentials || !config) return undefined;
    const signOut = () => {
      forgetSession();
      setCredentials(undefined);
    };
    return { api: new ApiClient(credentials, signOut), config, signOut };
  }, [credentials, config]);

  if (!config) return <p className="loading">Loading…</p>;

  return (
    <>
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      <header className="top">
        <span className="brand">Changehook</span>
        {context ? (
          <nav aria-label="Main">
            <Link to="/instances">Instances</Link>
            <Link to="/events">Events</Link>
            <Link to="/elements">Elements</Link>
            <Link to="/instances/new">Authenticate instance</Link>
            <button type="button" className="link" onClick={context.signOut}>
              Sign out
            </button>
          </nav>
        ) : null}
      </header>
      <SandboxBanner config={config} />
      <main id="main" ref={main} tabIndex={-1}>
        {context ? (
          <ConsoleContext.Provider value={context}>
            <Routes />
          </ConsoleContext.Provider>
        ) : (
          <SignInPage
            onSignedIn={(signedIn) => {
              saveCredentials(signedIn);
              setCredentials(signedIn);
              // The sign-in form (and its focused button) is gone: continue from the page content.
              requestAnimationFrame(() => main.current?.focus({ preventScroll: true }));
            }}
          />
        )}
      </main>
    </>
  );
}
