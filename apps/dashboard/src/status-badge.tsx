/** A job's or a miner's state as a coloured label; `title` gives the reason when there is one. */
export function StatusBadge(props: { readonly status: string; readonly reason?: string | null }) {
  return (
    <span
      class={`badge badge-${props.status.replace(/[^a-z-]/g, '')}`}
      title={props.reason ?? undefined}
      data-testid="status"
    >
      {props.status}
    </span>
  );
}
