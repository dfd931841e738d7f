/** "51–100 of 230" with Previous/Next; `page` is 1-based. */
export function Pagination({
  page,
  pageSize,
  total,
  onPage,
}: {
  page: number;
  pageSize: number;
  total: number;
  onPage: (page: number) => void;
}) {
  const first = total === 0 ? 0 : (page - 1) * pageSize + 1;
  const last = Math.min(total, page * pageSize);
  return (
    <nav className="pagination" aria-label="Pagination">
      <button type="button" onClick={() => onPage(page - 1)} disabled={page <= 1}>
        Previous
      </button>
      <span data-testid="page-range">
        {first}–{last} of {total}
      </span>
      <button type="button" onClick={() => onPage(page + 1)} disabled={last >= total}>
        Next
      </button>
    </nav>
  );
}
