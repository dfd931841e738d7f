import { NavLink, Outlet } from 'react-router';
import { useAuth } from '../auth/auth_context';

/** The frame of every signed-in page: header with navigation and sign-out. */
export function Layout() {
  const { signOut } = useAuth();
  return (
    <div className="app">
      <header className="topbar">
        <NavLink to="/" className="brand" end>
          <span className="brand-mark" aria-hidden="true">⇄</span> Tunely
        </NavLink>
        <nav aria-label="Main">
          <NavLink to="/" end>
            Dashboard
          </NavLink>
          <NavLink to="/tunnels">Tunnels</NavLink>
          <NavLink to="/requests">Requests</NavLink>
        </nav>
        <button type="button" className="signout" onClick={signOut}>
          Sign out
        </button>
      </header>
      <main className="content">
        <Outlet />
      </main>
    </div>
  );
}
