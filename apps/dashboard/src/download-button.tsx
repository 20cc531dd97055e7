import { useState } from 'preact/hooks';
import { useServices } from './services.js';

/**
 * Downloads an API file under `fileName`. The file is fetched with the tab's token (a plain link
 * could not send it) and handed to the browser as a blob.
 */
export function DownloadButton(props: {
  readonly link: string;
  readonly fileName: string;
  readonly label: string;
}) {
  const { api } = useServices();
  const [failure, setFailure] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  return (
    <span>
      <button
        type="button"
        class="button"
        data-testid={`download-${props.fileName.split('.').pop()}`}
        disabled={busy}
        onClick={() => {
          setBusy(true);
          setFailure(null);
          api
            .structure(props.link)
            .then((text) => {
              const url = URL.createObjectURL(new Blob([text], { type: 'text/plain' }));
              const anchor = document.createElement('a');
              anchor.href = url;
              anchor.download = props.fileName;
              anchor.click();
              setTimeout(() => URL.revokeObjectURL(url), 60_000);
            })
            .catch((error: unknown) =>
              setFailure(error instanceof Error ? error.message : String(error)),
            )
            .finally(() => setBusy(false));
        }}
      >
        {props.label}
      </button>
      {failure !== null && <span class="field-error">{failure}</span>}
    </span>
  );
}
