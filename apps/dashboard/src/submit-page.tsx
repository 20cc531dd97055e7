import { useMemo, useState } from 'preact/hooks';
import type { JobSummary } from './api-schemas.js';
import { ErrorNotice } from './error-notice.js';
import { ApiResponseError, DashboardError, FormInvalidError } from './errors.js';
import { formatBytes } from './format.js';
import { routeHref } from './route.js';
import { useServices, useToken } from './services.js';
import {
  buildSubmission,
  type ChosenFile,
  fileProblem,
  formFieldOf,
  type ParamField,
  type SubmitRules,
  submitRulesFromOpenApi,
} from './submit-form.js';
import { usePolled } from './use-polled.js';

function FieldError(props: {
  readonly errors: Readonly<Record<string, string>>;
  readonly field: string;
}) {
  const message = props.errors[props.field];
  if (message === undefined) return null;
  return (
    <span class="field-error" role="alert" data-testid={`error-${props.field}`}>
      {message}
    </span>
  );
}

function ParamInput(props: {
  readonly field: ParamField;
  readonly value: string;
  readonly onChange: (value: string) => void;
  readonly errors: Readonly<Record<string, string>>;
}) {
  const { field } = props;
  const name = `params.${field.key}`;
  const range =
    field.minimum !== null && field.maximum !== null ? `${field.minimum}–${field.maximum}` : '';
  const id = `field-${field.key}`;
  return (
    <div class={`field ${props.errors[name] === undefined ? '' : 'invalid'}`}>
      <label htmlFor={id}>
        <span>
          {field.label}
          {field.unit !== null && field.unit !== 'steps' && (
            <span class="muted"> ({field.unit})</span>
          )}
        </span>
      </label>
      {field.kind === 'choice' ? (
        <select
          id={id}
          name={name}
          value={props.value}
          onChange={(e) => props.onChange(e.currentTarget.value)}
        >
          <option value="">validator chooses</option>
          {field.options.map((o) => (
            <option value={o} key={o}>
              {o}
            </option>
          ))}
        </select>
      ) : (
        <input
          id={id}
          name={name}
          inputMode={field.kind === 'integer' ? 'numeric' : 'decimal'}
          placeholder={range === '' ? 'validator chooses' : `validator chooses (${range})`}
          value={props.value}
          onInput={(e) => props.onChange(e.currentTarget.value)}
        />
      )}
      <FieldError errors={props.errors} field={name} />
    </div>
  );
}

function SubmitForm(props: { readonly rules: SubmitRules }) {
  const { api } = useServices();
  const token = useToken();
  const { rules } = props;
  const [source, setSource] = useState<'id' | 'file'>('id');
  const [pdbId, setPdbId] = useState('');
  const [file, setFile] = useState<ChosenFile | null>(null);
  const [params, setParams] = useState<Record<string, string>>({});
  const [stages, setStages] = useState<string[]>([]);
  const [priority, setPriority] = useState('');
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [formError, setFormError] = useState<string | null>(null);
  const [sending, setSending] = useState(false);
  const [submitted, setSubmitted] = useState<JobSummary | null>(null);
  const fieldNames = useMemo(
    () => ['pdbId', 'pdb', 'stages', 'priority', ...rules.params.map((p) => `params.${p.key}`)],
    [rules],
  );

  const chooseFile = async (chosen: File | undefined) => {
    setErrors(({ pdb: _, ...rest }) => rest);
    setFile(null);
    if (chosen === undefined) return;
    // Refuse an oversized file before reading it into memory.
    const early = fileProblem({ sizeBytes: chosen.size });
    if (early !== null) {
      setErrors((e) => ({ ...e, pdb: early }));
      return;
    }
    const picked = { name: chosen.name, sizeBytes: chosen.size, text: await chosen.text() };
    const problem = fileProblem(picked);
    if (problem !== null) setErrors((e) => ({ ...e, pdb: problem }));
    setFile(picked);
  };

  const submit = async () => {
    setFormError(null);
    setSubmitted(null);
    let body: ReturnType<typeof buildSubmission>;
    try {
      body = buildSubmission({ source, pdbId, file, params, stages, priority }, rules);
    } catch (error) {
      if (error instanceof FormInvalidError) {
        setErrors({ ...error.fields });
        return;
      }
      throw error;
    }
    setErrors({});
    setSending(true);
    try {
      setSubmitted(await api.submit(body));
    } catch (error) {
      if (error instanceof ApiResponseError) {
        const field = formFieldOf(error.field, fieldNames);
        const message =
          error.apiCode === 'API_PAYLOAD_TOO_LARGE' && file !== null
            ? `the file (${formatBytes(file.sizeBytes)}) is over this validator's upload limit`
            : error.code === 'API_UNAUTHORIZED'
              ? `${error.message}. Submitting needs an API token: enter it at the top right.`
              : error.message;
        if (field === null) setFormError(message);
        else setErrors({ [field]: message });
      } else if (error instanceof DashboardError) {
        setFormError(error.message);
      } else {
        throw error;
      }
    } finally {
      setSending(false);
    }
  };

  return (
    <form
      class="submit"
      noValidate
      onSubmit={(event) => {
        event.preventDefault();
        void submit();
      }}
    >
      {token === null && (
        <p class="notice">
          Submitting needs an API token of this validator: enter it at the top right first.
        </p>
      )}
      <fieldset>
        <legend>Structure</legend>
        <div class="choices">
          <label>
            <input
              type="radio"
              name="source"
              value="id"
              checked={source === 'id'}
              onChange={() => setSource('id')}
            />{' '}
            a PDB id (the validator fetches the entry)
          </label>
          <label>
            <input
              type="radio"
              name="source"
              value="file"
              checked={source === 'file'}
              onChange={() => setSource('file')}
            />{' '}
            a PDB file from this computer
          </label>
        </div>
        {source === 'file' && (
          <div class={`field ${errors.pdb === undefined ? '' : 'invalid'}`}>
            <label htmlFor="field-pdb">PDB file</label>
            <input
              id="field-pdb"
              type="file"
              name="pdb"
              accept=".pdb,.ent,chemical/x-pdb,text/plain"
              onChange={(e) => void chooseFile(e.currentTarget.files?.[0])}
            />
            {file !== null && (
              <span class="muted small">
                {file.name}, {formatBytes(file.sizeBytes)}
              </span>
            )}
            <FieldError errors={errors} field="pdb" />
          </div>
        )}
        <div class={`field ${errors.pdbId === undefined ? '' : 'invalid'}`}>
          <label htmlFor="field-pdbId">
            {source === 'id' ? 'PDB id' : 'Label (optional, a PDB-style id)'}
          </label>
          <input
            id="field-pdbId"
            name="pdbId"
            placeholder="e.g. 1L2Y"
            autocomplete="off"
            spellcheck={false}
            value={pdbId}
            onInput={(e) => setPdbId(e.currentTarget.value)}
          />
          <FieldError errors={errors} field="pdbId" />
        </div>
      </fieldset>
      <fieldset>
        <legend>System and run (empty: the validator's search decides)</legend>
        <div class="grid">
          {rules.params.map((field) => (
            <ParamInput
              key={field.key}
              field={field}
              value={params[field.key] ?? ''}
              errors={errors}
              onChange={(value) => setParams((p) => ({ ...p, [field.key]: value }))}
            />
          ))}
        </div>
        {rules.stages.length > 0 && (
          <div class={`choices ${errors.stages === undefined ? '' : 'invalid'}`}>
            <span>Stages (none ticked: the validator's default)</span>
            {rules.stages.map((stage) => (
              <label key={stage}>
                <input
                  type="checkbox"
                  name="stages"
                  value={stage}
                  checked={stages.includes(stage)}
                  onChange={(e) => {
                    const on = e.currentTarget.checked;
                    setStages((s) => (on ? [...s, stage] : s.filter((x) => x !== stage)));
                  }}
                />{' '}
                {stage}
              </label>
            ))}
            <FieldError errors={errors} field="stages" />
          </div>
        )}
        <div class={`field ${errors.priority === undefined ? '' : 'invalid'}`}>
          <label htmlFor="field-priority">
            Priority ({rules.priority.minimum}–{rules.priority.maximum}, higher runs first)
          </label>
          <input
            id="field-priority"
            name="priority"
            inputMode="numeric"
            placeholder="5"
            value={priority}
            onInput={(e) => setPriority(e.currentTarget.value)}
          />
          <FieldError errors={errors} field="priority" />
        </div>
      </fieldset>
      {formError !== null && (
        <p class="notice error" role="alert" data-testid="form-error">
          {formError}
        </p>
      )}
      {Object.keys(errors).length > 0 && (
        <p class="field-error" data-testid="form-invalid">
          Some fields need attention.
        </p>
      )}
      <button type="submit" class="button primary" disabled={sending}>
        {sending ? 'Submitting…' : 'Submit job'}
      </button>
      {submitted !== null && (
        <p class="notice success" role="status" data-testid="submitted">
          Submitted {submitted.proteinId.toUpperCase()} as job{' '}
          <a href={routeHref({ page: 'job', jobId: submitted.jobId })}>{submitted.jobId}</a> (
          {submitted.status}). It is prepared before sampled jobs, then assigned to miners.{' '}
          <a href="#/jobs">See all jobs</a>.
        </p>
      )}
    </form>
  );
}

/** The submit form: a PDB id or an uploaded file, optional parameters, field-level messages. */
export function SubmitPage() {
  const { api } = useServices();
  const openApi = usePolled(() => api.openApi(), 'openapi', null);
  const rules = useMemo(() => {
    if (openApi.data === null) return null;
    try {
      return submitRulesFromOpenApi(openApi.data);
    } catch (error) {
      if (error instanceof DashboardError) return error;
      throw error;
    }
  }, [openApi.data]);
  return (
    <section>
      <div class="page-head">
        <h1>Submit a protein</h1>
      </div>
      <p class="muted">
        The validator prepares the structure (cleaning, solvating, minimising, a stability check),
        then several miners simulate it; their results are verified before they count.
      </p>
      {openApi.error !== null && <ErrorNotice error={openApi.error} what="the submission rules" />}
      {rules instanceof DashboardError && <ErrorNotice error={rules} what="the submission rules" />}
      {rules !== null && !(rules instanceof DashboardError) && <SubmitForm rules={rules} />}
    </section>
  );
}
