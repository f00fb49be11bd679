// meta.k8s.io/v1 Table responses for `kubectl get`.
import type { KubeObject, PrinterColumn, ResourceType } from './resources/types.js';
import { humanDuration } from './crd/crd.js';

export const NAME_COLUMN: PrinterColumn = {
  name: 'Name',
  type: 'string',
  format: 'name',
  description:
    'Name must be unique within a namespace. Is required when creating resources, although some resources may allow a client to request the generation of an appropriate name automatically. Name is primarily intended for creation idempotence and configuration definition. Cannot be updated. More info: https://kubernetes.io/docs/concepts/overview/working-with-objects/names#names',
  priority: 0,
};

const AGE_COLUMN: PrinterColumn = {
  name: 'Created At',
  type: 'date',
  format: '',
  description:
    'CreationTimestamp is a timestamp representing the server time when this object was created. It is not guaranteed to be set in happens-before order across separate operations. Clients may not set this value. It is represented in RFC3339 form and is in UTC.\n\nPopulated by the system. Read-only. Null for lists. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#metadata',
  priority: 0,
};

export type IncludeObject = 'None' | 'Metadata' | 'Object';

function columnsOf(type: ResourceType): PrinterColumn[] {
  return type.table?.columns ?? [NAME_COLUMN, AGE_COLUMN];
}

function cellsOf(type: ResourceType, obj: KubeObject, now: Date): unknown[] {
  if (type.table) return type.table.cells(obj, now);
  // Default table (kube's for types without a printer): Name and "Created At" as a timestamp.
  return [obj.metadata?.name ?? '', obj.metadata?.creationTimestamp ?? null];
}

function rowObject(obj: KubeObject, include: IncludeObject): Record<string, unknown> | undefined {
  if (include === 'None') return undefined;
  if (include === 'Object') return obj;
  return { kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: obj.metadata ?? {} };
}

export function toTable(
  type: ResourceType,
  objects: KubeObject[],
  listMeta: Record<string, unknown>,
  include: IncludeObject,
  now: Date,
  withColumns = true,
): KubeObject {
  return {
    kind: 'Table',
    apiVersion: 'meta.k8s.io/v1',
    metadata: listMeta,
    columnDefinitions: withColumns ? columnsOf(type).map((c) => ({ name: c.name, type: c.type, format: c.format ?? '', description: c.description, priority: c.priority })) : null,
    rows: objects.map((o) => {
      const row: Record<string, unknown> = { cells: cellsOf(type, o, now) };
      const ro = rowObject(o, include);
      if (ro) row.object = ro;
      return row;
    }),
  };
}

export { humanDuration };
