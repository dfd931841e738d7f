// The signed-in state: the admin key, the API client built on it, and the one
// place that reacts to a refused key (any 401 → sign-in page with a notice).
import { createContext, useCallback, useContext, useEffect, useMemo, useRef, useState, type ReactNode } from 'react';
import { useLocation, useNavigate } from 'react-router';
import { ApiError } from '../api/api_error';
import { createApiClient, type ApiClient } from '../api/client';
import { clearKey, readKey, storeKey } from './key_store';

export const REFUSED_NOTICE = 'Your admin key was refused. Sign in again.';
export const INVALID_KEY = 'Invalid admin key';

interface AuthState {
  /** Null when signed out. */
  api: ApiClient | null;
  /** A message for the sign-in page (set when the server refused the key mid-session). */
  notice: string | null;
  /** Checks the key with GET /api/tunnels; rejects with a user-facing Error. */
  signIn: (key: string) => Promise<void>;
  signOut: () => void;
}

const AuthContext = createContext<AuthState | null>(null);

export function AuthProvider({ children }: { children: ReactNode }) {
  const [key, setKey] = useState<string | null>(() => readKey());
  const [notice, setNotice] = useState<string | null>(null);
  const navigate = useNavigate();
  const location = useLocation();
  const from = useRef('/');
  useEffect(() => {
    if (location.pathname !== '/signin') from.current = location.pathname + location.search;
  }, [location]);

  // Every request of the old client that comes back 401 lands here; it is idempotent.
  const refused = useCallback(() => {
    clearKey();
    setKey(null);
    setNotice(REFUSED_NOTICE);
    navigate('/signin', { replace: true, state: { from: from.current } });
  }, [navigate]);

  const api = useMemo(
    () => (key ? createApiClient({ apiKey: key, onUnauthorized: refused }) : null),
    [key, refused],
  );

  const signIn = useCallback(async (candidate: string) => {
    const probe = createApiClient({ apiKey: candidate });
    try {
      await probe.listTunnels();
    } catch (e) {
      if (e instanceof ApiError && e.status === 401) throw new Error(INVALID_KEY);
      if (e instanceof ApiError) throw new Error(`Could not check the key: ${e.detail}`);
      throw e;
    }
    storeKey(candidate);
    setNotice(null);
    setKey(candidate);
  }, []);

  const signOut = useCallback(() => {
    clearKey();
    setKey(null);
    setNotice(null);
    navigate('/signin', { replace: true });
  }, [navigate]);

  const value = useMemo(() => ({ api, notice, signIn, signOut }), [api, notice, signIn, signOut]);
  return <AuthContext.Provider value={value}>{children}</AuthContext.Provider>;
}

export function useAuth(): AuthState {
  const ctx = useContext(AuthContext);
  if (!ctx) throw new Error('useAuth outside AuthProvider');
  return ctx;
}

/** The API client of a signed-in page (RequireAuth guarantees it exists). */
export function useApi(): ApiClient {
  const { api } = useAuth();
  if (!api) throw new Error('useApi while signed out');
  return api;
}
