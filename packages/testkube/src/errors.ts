// Kubernetes-shaped errors. Every failure the server returns is a meta/v1 Status whose fields
// (reason, message, details.causes) follow kube-apiserver's wording exactly, because clients such
// as kubectl print them verbatim and the recordings compare them.

/** One entry of a field.ErrorList, already rendered the way apimachinery renders it. */
export interface FieldCause {
  /** StatusCause reason: FieldValueInvalid, FieldValueRequired, ... */
  reason: string;
  /** The part after the field path, e.g. `Invalid value: 0: must be between 1 and 65535, inclusive`. */
  message: string;
  /** Field path, e.g. `spec.ports[0].port`. */
  field: string;
}

export interface StatusDetails {
  name?: string;
  group?: string;
  kind?: string;
  uid?: string;
  causes?: FieldCause[];
  retryAfterSeconds?: number;
}

/** An error that is answered as a Status object with the given HTTP code. */
export class ApiError extends Error {
  constructor(
    readonly code: number,
    readonly reason: string | undefined,
    message: string,
    readonly details?: StatusDetails,
    /** Extra Status fields, e.g. metadata.continue for 410 on stale continue tokens. */
    readonly statusMetadata?: Record<string, unknown>,
  ) {
    super(message);
    this.name = 'ApiError';
  }

  toStatus(): Record<string, unknown> {
    const status: Record<string, unknown> = {
      kind: 'Status',
      apiVersion: 'v1',
      metadata: this.statusMetadata ?? {},
      status: 'Failure',
      message: this.message,
    };
    if (this.reason !== undefined) status.reason = this.reason;
    if (this.details !== undefined) status.details = this.details;
    status.code = this.code;
    return status;
  }
}

/**
 * Renders a value the way Go's `%#v`-ish formatting in apimachinery's field errors does:
 * strings quoted, numbers and booleans bare, []string{"a", "b"} for string slices.
 */
export function goValue(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'number' || typeof value === 'bigint' || typeof value === 'boolean') return String(value);
  if (value === null || value === undefined) return 'null';
  if (Array.isArray(value) && value.every((v) => typeof v === 'string')) {
    return `[]string{${value.map((v) => JSON.stringify(v)).join(', ')}}`;
  }
  return JSON.stringify(value);
}

export const field = {
  invalid(path: string, value: unknown, detail: string): FieldCause {
    return { reason: 'FieldValueInvalid', message: `Invalid value: ${goValue(value)}: ${detail}`, field: path };
  },
  /** Invalid with the value already rendered (e.g. `"integer"` type names in CRD errors). */
  invalidRaw(path: string, renderedValue: string, detail: string): FieldCause {
    return { reason: 'FieldValueInvalid', message: `Invalid value: ${renderedValue}: ${detail}`, field: path };
  },
  required(path: string, detail = ''): FieldCause {
    return { reason: 'FieldValueRequired', message: detail ? `Required value: ${detail}` : 'Required value', field: path };
  },
  duplicate(path: string, value: unknown): FieldCause {
    return { reason: 'FieldValueDuplicate', message: `Duplicate value: ${goValue(value)}`, field: path };
  },
  forbidden(path: string, detail: string): FieldCause {
    return { reason: 'FieldValueForbidden', message: `Forbidden: ${detail}`, field: path };
  },
  notSupported(path: string, value: unknown, supported: string[]): FieldCause {
    const list = supported.map((s) => JSON.stringify(s)).join(', ');
    return {
      reason: 'FieldValueNotSupported',
      message: `Unsupported value: ${goValue(value)}${supported.length ? `: supported values: ${list}` : ''}`,
      field: path,
    };
  },
  tooLong(path: string, value: unknown, max: number): FieldCause {
    return { reason: 'FieldValueTooLong', message: `Too long: may not be longer than ${max}`, field: path };
  },
  typeInvalid(path: string, renderedValue: string, detail: string): FieldCause {
    return { reason: 'FieldValueTypeInvalid', message: `Invalid value: ${renderedValue}: ${detail}`, field: path };
  },
};

/** 422 Invalid, with apimachinery's message: one cause inline, several in brackets. */
export function invalidError(kind: string, name: string, causes: FieldCause[], group?: string): ApiError {
  // apimachinery's aggregate drops repeated messages from the summary but keeps every cause
  // (kube reports the finalizer error twice in causes and once in the message).
  const rendered = [...new Set(causes.map((c) => (c.field ? `${c.field}: ${c.message}` : c.message)))];
  const summary = rendered.length === 1 ? rendered[0] : `[${rendered.join(', ')}]`;
  const qualified = group ? `${kind}.${group}` : kind;
  const details: StatusDetails = { ...(name ? { name } : {}), ...(group ? { group } : {}), kind, causes };
  return new ApiError(422, 'Invalid', `${qualified} "${name}" is invalid: ${summary}`, details);
}

export function notFound(resource: string, name: string, group?: string): ApiError {
  const qualified = group ? `${resource}.${group}` : resource;
  return new ApiError(404, 'NotFound', `${qualified} "${name}" not found`, {
    name,
    ...(group ? { group } : {}),
    kind: resource,
  });
}

/** The generic 404 for unknown resources/versions of known groups. */
export function resourceNotFound(): ApiError {
  return new ApiError(404, 'NotFound', 'the server could not find the requested resource', {});
}

export function alreadyExists(resource: string, name: string, group?: string): ApiError {
  const qualified = group ? `${resource}.${group}` : resource;
  return new ApiError(409, 'AlreadyExists', `${qualified} "${name}" already exists`, {
    name,
    ...(group ? { group } : {}),
    kind: resource,
  });
}

export function conflict(resource: string, name: string, group?: string): ApiError {
  const qualified = group ? `${resource}.${group}` : resource;
  return new ApiError(
    409,
    'Conflict',
    `Operation cannot be fulfilled on ${qualified} "${name}": the object has been modified; please apply your changes to the latest version and try again`,
    { name, ...(group ? { group } : {}), kind: resource },
  );
}

export function badRequest(message: string): ApiError {
  return new ApiError(400, 'BadRequest', message);
}

export function internalError(message: string): ApiError {
  return new ApiError(500, 'InternalError', `Internal error occurred: ${message}`, {
    causes: [{ reason: '', message, field: '' }],
  });
}
