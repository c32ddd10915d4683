import { useSignal, useSignalEffect } from '@preact/signals';
import { LocationProvider, Route, Router, useLocation } from 'preact-iso';
import { api } from './api.ts';
import { signedOut, signIn, signOut, user } from './auth.ts';
import { Board } from './screens/board.tsx';
import { DriverDay } from './screens/driver.tsx';
import { FailedDeliveries, failedCount } from './screens/failed.tsx';
import { Requests } from './screens/requests.tsx';
import { Trailers } from './screens/trailers.tsx';
import { usePolling } from './use-polling.ts';

function SignIn() {
  const error = sessionStorage.getItem('qdn.signInError');
  return (
    <main class="sign-in">
      <h1>QDN Dispatch</h1>
      <p>The dispatcher console. Drivers see their jobs of the day.</p>
      {error && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
      <button
        type="button"
        class="primary"
        onClick={() => {
          sessionStorage.removeItem('qdn.signInError');
          void signIn(location.pathname === '/signed-out' ? '/' : undefined);
        }}
      >
        Sign in
      </button>
    </main>
  );
}

/** The nav, with badge counts for requests and failed deliveries refreshed every 10 s. */
function Nav() {
  const { path } = useLocation();
  const requests = useSignal(0);
  const role = user.value?.role;
  usePolling(
    async () => {
      if (role === 'driver') return;
      // Each badge on its own: one service that cannot answer leaves the other badge right.
      const [pending] = await Promise.allSettled([api.requests(), failedCount.refresh()]);
      if (pending.status === 'fulfilled') requests.value = pending.value.jobs.length;
    },
    10_000,
    [role],
  );
  const link = (href: string, label: string, badge?: number) => (
    <a href={href} aria-current={path === href ? 'page' : undefined}>
      {label}
      {badge ? (
        <span class="badge">
          {badge}
          <span class="visually-hidden"> waiting</span>
        </span>
      ) : null}
    </a>
  );
  return (
    <header class="top">
      <nav aria-label="Console">
        <span class="brand">QDN Dispatch</span>
        {role === 'driver' ? (
          link('/', 'My day')
        ) : (
          <>
            {link('/', 'Board')}
            {link('/requests', 'Requests', requests.value)}
            {link('/trailers', 'Trailers')}
            {link('/failed', 'Failed deliveries', failedCount.count.value)}
          </>
        )}
      </nav>
      <div class="who">
        <span>
          {user.value?.email} · {role}
        </span>
        <button type="button" onClick={signOut}>
          Sign out
        </button>
      </div>
    </header>
  );
}

function SessionEnded() {
  return (
    <div class="session-ended" role="alert">
      Your session ended. What you typed is kept.{' '}
      <button type="button" class="primary" onClick={() => void signIn()}>
        Sign in again
      </button>
    </div>
  );
}

export function App() {
  const signedIn = useSignal(!!user.value);
  useSignalEffect(() => {
    signedIn.value = !!user.value;
  });
  if (!signedIn.value) return <SignIn />;
  const driver = user.value?.role === 'driver';
  return (
    <LocationProvider>
      <Nav />
      {signedOut.value && <SessionEnded />}
      <Router>
        <Route path="/" component={driver ? DriverDay : Board} />
        <Route path="/requests" component={driver ? DriverDay : Requests} />
        <Route path="/failed" component={driver ? DriverDay : FailedDeliveries} />
        <Route path="/trailers" component={driver ? DriverDay : Trailers} />
        <Route default component={driver ? DriverDay : Board} />
      </Router>
    </LocationProvider>
  );
}
