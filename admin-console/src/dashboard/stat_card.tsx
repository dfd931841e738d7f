/** One number with its label; `testId` lets tests read the value. */
export function StatCard({ label, value, hint, testId, tone }: { label: string; value: string; hint?: string; testId: string; tone?: 'good' | 'bad' }) {
  return (
    <div className={`card stat${tone ? ` ${tone}` : ''}`}>
      <p className="stat-label" id={`${testId}-label`}>
        {label}
      </p>
      <p className="stat-value" data-testid={testId} aria-labelledby={`${testId}-label`}>
        {value}
      </p>
      {hint && <p className="muted small">{hint}</p>}
    </div>
  );
}
