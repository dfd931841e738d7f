// Routes of the console, below the router (BrowserRouter with basename /admin in
// main.tsx, MemoryRouter in tests). Feature folders import shared/, api/ and auth/;
// the only feature-to-feature imports are of requests/ (its table, panel and log
// formatting, reused by the tunnel detail page and the dashboard) and of tunnels/'
// create dialog and connect command (the dashboard's first steps).
import { Route, Routes } from 'react-router';
import { AuthProvider } from './auth/auth_context';
import { RequireAuth } from './auth/require_auth';
import { SignInPage } from './auth/sign_in_page';
import { DashboardPage } from './dashboard/dashboard_page';
import { RequestsPage } from './requests/requests_page';
import { Layout } from './shared/layout';
import { NotFoundPage } from './shared/not_found_page';
import { TunnelDetailPage } from './tunnels/tunnel_detail_page';
import { TunnelsPage } from './tunnels/tunnels_page';

export function AppRoutes() {
  return (
    <AuthProvider>
      <Routes>
        <Route path="/signin" element={<SignInPage />} />
        <Route
          element={
            <RequireAuth>
              <Layout />
            </RequireAuth>
          }
        >
          <Route index element={<DashboardPage />} />
          <Route path="tunnels" element={<TunnelsPage />} />
          <Route path="tunnels/:domain" element={<TunnelDetailPage />} />
          <Route path="requests" element={<RequestsPage />} />
          <Route path="*" element={<NotFoundPage />} />
        </Route>
      </Routes>
    </AuthProvider>
  );
}
