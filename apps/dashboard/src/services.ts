import { createContext } from 'preact';
import { useContext, useEffect, useState } from 'preact/hooks';
import type { ApiClient } from './api-client.js';
import type { TokenStore } from './token.js';

/** What every page uses: the API client and the tab's token. */
export interface Services {
  readonly api: ApiClient;
  readonly tokens: TokenStore;
  /** The clock (ms since the epoch). */
  readonly now: () => number;
}

/** Provides {@link Services} to the page tree. */
export const ServicesContext = createContext<Services | null>(null);

/** The {@link Services} of the page; a component outside the provider is a programming error. */
export function useServices(): Services {
  const services = useContext(ServicesContext);
  if (services === null) throw new Error('useServices() outside <ServicesContext.Provider>');
  return services;
}

/** The tab's API token, re-rendering when it changes (pages key their requests on it). */
export function useToken(): string | null {
  const { tokens } = useServices();
  const [token, setToken] = useState(tokens.get());
  useEffect(() => tokens.subscribe(setToken), [tokens]);
  return token;
}
