/** One thing wrong with a spec: where (a field path as kubectl prints it) and what. */
export interface Problem {
  /** e.g. `spec.local.v4pools[1].pool` */
  path: string;
  message: string;
}

export function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** A short description of a JSON value's type for "must be a string, not ..." messages. */
export function jsonType(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'a list';
  switch (typeof v) {
    case 'object':
      return 'an object';
    case 'string':
      return 'a string';
    case 'number':
      return 'a number';
    case 'boolean':
      return 'a boolean';
    default:
      return typeof v;
  }
}

/** Reports every key of `obj` not in `known` as an unknown field (objects from the API server are pruned; files are not). */
export function unknownFields(obj: Record<string, unknown>, known: readonly string[], path: string, out: Problem[]): void {
  for (const key of Object.keys(obj)) {
    if (!known.includes(key)) {
      out.push({ path: path === '' ? key : `${path}.${key}`, message: `unknown field "${key}" (expected one of ${known.join(', ')})` });
    }
  }
}

/** An integer field with bounds; returns the default when absent, undefined (with a problem) when wrong. */
export function boundedInteger(
  v: unknown,
  path: string,
  min: number,
  max: number,
  dflt: number,
  out: Problem[],
): number | undefined {
  if (v === undefined || v === null) return dflt;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) {
    const got = typeof v === 'number' ? String(v) : jsonType(v);
    out.push({ path, message: `must be an integer from ${min} to ${max} (got ${got})` });
    return undefined;
  }
  return v;
}

export function optionalBoolean(v: unknown, path: string, dflt: boolean, out: Problem[]): boolean {
  if (v === undefined || v === null) return dflt;
  if (typeof v !== 'boolean') {
    out.push({ path, message: `must be true or false (got ${jsonType(v)})` });
    return dflt;
  }
  return v;
}

/**
 * All problems as one line, for a ParseFailed event or the Valid condition's message:
 * `spec.local.v4pool.pool: 192.168.1.250-192.168.1.240: start is after end; spec.priority: ...`.
 */
export function formatProblems(problems: readonly Problem[]): string {
  return problems.map((p) => (p.path === '' ? p.message : `${p.path}: ${p.message}`)).join('; ');
}
