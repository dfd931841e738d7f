import { useState, type FormEvent } from 'react';
import { Navigate, useLocation, useNavigate } from 'react-router';
import { useAuth } from './auth_context';

export function SignInPage() {
  const { api, notice, signIn } = useAuth();
  const [key, setKey] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const navigate = useNavigate();
  const location = useLocation();
  const from = (location.state as { from?: string } | null)?.from ?? '/';
  const target = from.startsWith('/signin') ? '/' : from;

  if (api && !busy) return <Navigate to={target} replace />;

  async function submit(e: FormEvent) {
    e.preventDefault();
    const trimmed = key.trim();
    if (!trimmed) {
      setError('Enter the admin key.');
      return;
    }
    setBusy(true);
    setError(null);
    try {
      await signIn(trimmed);
      navigate(target, { replace: true });
    } catch (err) {
      setError(err instanceof Error ? err.message : String(err));
    } finally {
      setBusy(false);
    }
  }

  return (
    <main className="signin">
      <form className="card signin-card" onSubmit={submit} aria-labelledby="signin-title" noValidate>
        <h1 id="signin-title">
          <span className="brand-mark" aria-hidden="true">⇄</span> Tunely console
        </h1>
        <p className="muted">Sign in with the server&apos;s admin API key.</p>
        {notice && !error && (
          <p className="notice warn" role="status">
            {notice}
          </p>
        )}
        <label htmlFor="admin-key">Admin key</label>
        <input
          id="admin-key"
          name="admin-key"
          type="password"
          autoComplete="current-password"
          autoFocus
          value={key}
          onChange={(e) => setKey(e.target.value)}
          aria-invalid={error ? true : undefined}
          aria-describedby={error ? 'signin-error' : undefined}
        />
        {error && (
          <p id="signin-error" className="field-error" role="alert">
            {error}
          </p>
        )}
        <button type="submit" className="primary" disabled={busy}>
          {busy ? 'Checking…' : 'Sign in'}
        </button>
        <p className="muted small">The key is kept in this browser tab only and forgotten when you close it.</p>
        {/* As docs/OPERATIONS.md and README.md say it (the server's first start, `make run`). */}
        <section className="key-help" aria-labelledby="key-help-title">
          <h2 id="key-help-title">Where is the key?</h2>
          <p className="small">
            Unless <code>--admin-key</code> or <code>TUNELY_ADMIN_KEY</code> sets it, the server generates one at its
            first start, prints it once and stores it in <code>&lt;data dir&gt;/admin.key</code> (mode 0600;{' '}
            <code>./data/admin.key</code> with <code>make run</code>). The data dir is the SQLite database’s
            directory (<code>./data</code> with another database).
          </p>
        </section>
      </form>
    </main>
  );
}
