// The console's entry: config, the session, then the app. Preact + @preact/signals + preact-iso's router
// (README "Console": why these).
import { render } from 'preact';
import { App } from './app.tsx';
import { completeSignIn, restoreSession } from './auth.ts';
import { loadConfig } from './config.ts';
import './styles.css';

async function start(root: HTMLElement) {
  await loadConfig();
  if (location.pathname === '/callback') {
    try {
      history.replaceState(null, '', await completeSignIn());
    } catch (error) {
      history.replaceState(null, '', '/');
      sessionStorage.setItem('qdn.signInError', (error as Error).message);
    }
  } else {
    await restoreSession();
  }
  root.textContent = '';
  render(<App />, root);
}

const root = document.getElementById('app')!;
start(root).catch((error: Error) => {
  root.textContent = `The console could not start: ${error.message}`;
});
