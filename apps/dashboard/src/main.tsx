import { render } from 'preact';
import { ApiClient } from './api-client.js';
import { App } from './app.js';
import { ServicesContext } from './services.js';
import { TokenStore, takeTokenFromFragment } from './token.js';

const tokens = new TokenStore(window.sessionStorage);
// A token in the address is taken into the tab's storage and removed from the address bar (and
// from the history), so it is not bookmarked, shared or shown on screen.
const taken = takeTokenFromFragment(window.location.hash);
if (taken.hash !== window.location.hash) {
  if (taken.token !== null) tokens.set(taken.token);
  window.history.replaceState(
    null,
    '',
    `${window.location.pathname}${window.location.search}${taken.hash}`,
  );
}

const api = new ApiClient({
  // The validator serves this page and its API from the same origin.
  baseUrl: `${window.location.origin}/`,
  token: () => tokens.get(),
});

const root = document.getElementById('app');
if (root === null) throw new Error('index.html has no #app element');
render(
  <ServicesContext.Provider value={{ api, tokens, now: () => Date.now() }}>
    <App />
  </ServicesContext.Provider>,
  root,
);
