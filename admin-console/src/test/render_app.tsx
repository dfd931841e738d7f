// Renders the whole console at `path` inside a MemoryRouter, against a FakeAdminApi.
import { render } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { MemoryRouter, useLocation } from 'react-router';
import { AppRoutes } from '../app';
import { KEY_STORAGE_NAME } from '../auth/key_store';
import { PollingIntervalContext } from '../shared/polling_interval';
import type { FakeAdminApi } from './fakeApi';

/** Shows the router's current location so route tests can assert it. */
function LocationProbe() {
  const l = useLocation();
  return <output data-testid="location">{l.pathname + l.search}</output>;
}

export interface RenderOptions {
  /** Put the fake's admin key in sessionStorage first (default true). */
  signedIn?: boolean;
  /** Poll interval; long by default so only tests about polling see ticks. */
  pollMs?: number;
}

export function renderApp(fake: FakeAdminApi, path = '/', { signedIn = true, pollMs = 60_000 }: RenderOptions = {}) {
  if (signedIn) window.sessionStorage.setItem(KEY_STORAGE_NAME, fake.adminKey);
  const user = userEvent.setup();
  const result = render(
    <PollingIntervalContext.Provider value={pollMs}>
      <MemoryRouter initialEntries={[path]}>
        <AppRoutes />
        <LocationProbe />
      </MemoryRouter>
    </PollingIntervalContext.Provider>,
  );
  return { ...result, user };
}
