import type { DashboardError } from './errors.js';

/**
 * A failed request, said plainly: a missing token asks for one, an unreachable validator says
 * so, anything else shows the validator's message.
 */
export function ErrorNotice(props: { readonly error: DashboardError; readonly what: string }) {
  const { error } = props;
  const advice =
    error.code === 'API_UNAUTHORIZED'
      ? 'This validator needs an API token to read: enter it at the top right, or open the page with #token=<token> at the end of its address.'
      : error.code === 'API_UNREACHABLE'
        ? 'The validator did not answer; the page retries on its own.'
        : null;
  return (
    <div class="notice error" role="alert" data-testid="error-notice" data-code={error.code}>
      <strong>Could not load {props.what}:</strong> {error.message}
      {advice !== null && <p>{advice}</p>}
    </div>
  );
}
