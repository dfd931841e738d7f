import { act, render, screen, waitFor } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import { usePolling } from './use_polling';

function Probe({ load, keyText = 'k', intervalMs = 20 }: { load: (s: AbortSignal) => Promise<number>; keyText?: string; intervalMs?: number }) {
  const { data, error } = usePolling(load, keyText, { intervalMs });
  return (
    <p data-testid="out">
      {String(data)}|{error ? String((error as Error).message) : ''}
    </p>
  );
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function setHidden(hidden: boolean) {
  Object.defineProperty(document, 'hidden', { value: hidden, configurable: true });
  document.dispatchEvent(new Event('visibilitychange'));
}

describe('usePolling', () => {
  afterEach(() => setHidden(false));

  it('never runs two loads at once, even when asked to load again while one runs', async () => {
    let running = 0;
    let maxRunning = 0;
    let count = 0;
    const load = async () => {
      running += 1;
      maxRunning = Math.max(maxRunning, running);
      await sleep(40); // longer than the interval
      running -= 1;
      return ++count;
    };
    render(<Probe load={load} intervalMs={5} />);
    // Becoming visible asks for a load at once; while one is running it must wait its turn.
    await sleep(10);
    act(() => {
      setHidden(false);
      setHidden(false);
    });
    await waitFor(() => expect(count).toBeGreaterThanOrEqual(3), { timeout: 2000 });
    expect(maxRunning).toBe(1);
    expect(screen.getByTestId('out').textContent).toMatch(/^\d+\|$/);
  });

  it('pauses while the document is hidden and loads at once when visible again', async () => {
    let count = 0;
    const load = async () => ++count;
    render(<Probe load={load} intervalMs={20} />);
    await waitFor(() => expect(count).toBeGreaterThanOrEqual(2));
    act(() => setHidden(true));
    await sleep(30); // let a load already started finish
    const paused = count;
    await sleep(150);
    expect(count).toBe(paused);
    act(() => setHidden(false));
    await waitFor(() => expect(count).toBeGreaterThan(paused));
    await waitFor(() => expect(screen.getByTestId('out')).toHaveTextContent(String(count)));
  });

  it('keeps the last data on a failure and clears the error on the next success', async () => {
    let n = 0;
    const load = async () => {
      n += 1;
      if (n === 2) throw new Error('flaky');
      return n;
    };
    render(<Probe load={load} intervalMs={20} />);
    await waitFor(() => expect(screen.getByTestId('out')).toHaveTextContent('1|flaky'));
    await waitFor(() => expect(screen.getByTestId('out')).toHaveTextContent(/^\d+\|$/));
  });

  it('aborts the request in flight when unmounted', async () => {
    let aborted = false;
    const load = (signal: AbortSignal) =>
      new Promise<number>((_, reject) => {
        signal.addEventListener('abort', () => {
          aborted = true;
          reject(new DOMException('aborted', 'AbortError'));
        });
      });
    const { unmount } = render(<Probe load={load} />);
    unmount();
    expect(aborted).toBe(true);
  });
});
