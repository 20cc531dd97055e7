import { useState } from 'preact/hooks';
import { useServices, useToken } from './services.js';
import { tokenProblem } from './token.js';

/** The API token of this tab: enter one, or forget it. The token itself is never shown. */
export function TokenControl() {
  const { tokens } = useServices();
  const token = useToken();
  const [editing, setEditing] = useState(false);
  const [text, setText] = useState('');
  const [problem, setProblem] = useState<string | null>(null);

  if (!editing)
    return (
      <div class="token" data-testid="token-control">
        {token === null ? (
          <button type="button" onClick={() => setEditing(true)}>
            Enter API token
          </button>
        ) : (
          <>
            <span class="muted">token set</span>{' '}
            <button type="button" class="link" onClick={() => tokens.set(null)}>
              forget
            </button>
          </>
        )}
      </div>
    );
  return (
    <form
      class="token"
      data-testid="token-control"
      onSubmit={(event) => {
        event.preventDefault();
        const found = tokenProblem(text.trim());
        setProblem(found);
        if (found !== null) return;
        tokens.set(text.trim());
        setText('');
        setEditing(false);
      }}
    >
      <input
        type="password"
        name="token"
        autocomplete="off"
        placeholder="API token"
        aria-label="API token"
        value={text}
        onInput={(e) => setText(e.currentTarget.value)}
      />
      <button type="submit">Use</button>
      <button type="button" class="link" onClick={() => setEditing(false)}>
        cancel
      </button>
      {problem !== null && <span class="field-error">{problem}</span>}
    </form>
  );
}
