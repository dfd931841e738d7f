import { useCallback, useEffect, useMemo, useState } from 'react';
import { useSearchParams } from 'react-router';
import type { RequestLog } from '../api/types';
import { useApi } from '../auth/auth_context';
import { ErrorNotice } from '../shared/error_notice';
import { usePolling } from '../shared/use_polling';
import { Pagination } from './pagination';
import { RequestDetail } from './request_detail';
import { RequestFilterForm } from './request_filter_form';
import { EMPTY_FILTERS, filtersFromParams, filtersToParams, hasFilters, PAGE_SIZE, toQuery, type RequestFilters } from './request_filters';
import { RequestTable } from './request_table';

export function RequestsPage() {
  const api = useApi();
  const [params, setParams] = useSearchParams();
  const filters = useMemo(() => filtersFromParams(params), [params]);
  const query = toQuery(filters);
  const requests = usePolling((signal) => api.listRequests(query, signal), JSON.stringify(query));
  // The detail keeps its own copy: polling or paging must not close it.
  const [selected, setSelected] = useState<RequestLog | null>(null);
  const [domains, setDomains] = useState<string[]>([]);

  useEffect(() => {
    const c = new AbortController();
    api.listTunnels(c.signal).then(
      (ts) => setDomains(ts.map((t) => t.domain).sort()),
      () => {},
    );
    return () => c.abort();
  }, [api]);

  const change = useCallback(
    (delta: Partial<RequestFilters>) => {
      setParams((prev) => filtersToParams({ ...filtersFromParams(prev), page: 1, ...delta }));
    },
    [setParams],
  );
  const close = useCallback(() => setSelected(null), []);

  const page = requests.data;
  return (
    <section className={selected ? 'with-detail' : undefined}>
      <div className="page-head">
        <h1>Requests</h1>
      </div>
      <RequestFilterForm filters={filters} domains={domains} onChange={change} onClear={() => setParams(filtersToParams(EMPTY_FILTERS))} />
      <ErrorNotice error={requests.error} prefix="Could not load requests" />
      <div className="split">
        <div className="split-main">
          {!page ? (
            <p className="muted">{requests.loading ? 'Loading…' : ''}</p>
          ) : page.logs.length === 0 ? (
            <p className="muted empty">{hasFilters(filters) ? 'No request matches these filters.' : 'No requests recorded yet.'}</p>
          ) : (
            <div className="table-wrap">
              <RequestTable logs={page.logs} selectedId={selected?.id} onSelect={setSelected} />
            </div>
          )}
          {page && page.total > 0 && (
            <Pagination page={filters.page} pageSize={PAGE_SIZE} total={page.total} onPage={(p) => change({ page: p })} />
          )}
        </div>
        {selected && <RequestDetail log={selected} onClose={close} />}
      </div>
    </section>
  );
}
