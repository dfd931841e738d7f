import type { ReactNode } from 'react';
import { Navigate, useLocation } from 'react-router';
import { useAuth } from './auth_context';

/** Renders its children only while signed in; otherwise goes to the sign-in page. */
export function RequireAuth({ children }: { children: ReactNode }) {
  const { api } = useAuth();
  const location = useLocation();
  if (!api) return <Navigate to="/signin" replace state={{ from: location.pathname + location.search }} />;
  return <>{children}</>;
}
