// What every signed-in screen needs: the API client of the signed-in tenant and the server's console
// settings (sandbox or not).

import { createContext, useContext } from 'react';
import type { ApiClient } from './api/apiClient.ts';
import type { ConsoleConfig } from './api/types.ts';

export interface ConsoleContextValue {
  api: ApiClient;
  config: ConsoleConfig;
  signOut(): void;
}

export const ConsoleContext = createContext<ConsoleContextValue | null>(null);

export function useConsole(): ConsoleContextValue {
  const value = useContext(ConsoleContext);
  if (!value) throw new Error('useConsole outside a signed-in console');
  return value;
}
