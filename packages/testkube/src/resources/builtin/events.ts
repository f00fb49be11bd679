// Events: core/v1 and events.k8s.io/v1 are two views of ONE storage ('events'), kept in the core
// form. events.k8s.io/v1 converts on the way in and out (regarding <-> involvedObject,
// note <-> message, reportingController <-> reportingComponent, deprecatedSource/FirstTimestamp/
// LastTimestamp/Count <-> source/firstTimestamp/lastTimestamp/count) exactly as recorded in
// 06-events. Validation runs on the core form, which is why an immutable `note` is reported as
// `message` (recorded).
import { field, type FieldCause } from '../../errors.js';
import { builtinStrategicSchemas } from '../../patch/strategic-schema.js';
import { goTimeString as vGoTimeString, validateObjectMeta } from '../../validation.js';
import type { KubeObject, ResourceType, TableConverter } from '../types.js';
import {
  checkInt32,
  checkString,
  column,
  invalidEach,
  invalidRendered,
  isDNS1123Subdomain,
  isObject,
  isQualifiedName,
  nameColumn,
  normalizeMicroTime,
  normalizeTime,
  semanticEqual,
  since,
  validateMetaUpdate,
} from './common.js';

export const EVENTS_STORAGE = 'events';

const REF_FIELDS = ['kind', 'namespace', 'name', 'uid', 'apiVersion', 'resourceVersion', 'fieldPath'] as const;

/** ObjectReference with omitempty string fields, unknown keys dropped. */
function objectRef(v: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (!isObject(v)) return out;
  for (const k of REF_FIELDS) if (typeof v[k] === 'string' && v[k] !== '') out[k] = v[k];
  return out;
}

function eventSource(v: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (!isObject(v)) return out;
  for (const k of ['component', 'host']) if (typeof v[k] === 'string' && v[k] !== '') out[k] = v[k];
  return out;
}

function str(v: unknown): string {
  return typeof v === 'string' ? v : '';
}

function checkDecode(ev: KubeObject): void {
  for (const k of ['reason', 'message', 'type', 'action', 'reportingComponent', 'reportingInstance']) checkString(ev[k], 'Event', 'v1', `Event.${k}`);
  checkInt32(ev.count, 'Event', 'v1', 'Event.count');
  if (isObject(ev.series)) checkInt32(ev.series.count, 'Event', 'v1', 'EventSeries.series.count');
}

/**
 * The stored (core/v1) form as a decode/encode round trip produces it: known fields only, Go's
 * zero values where the JSON tags have no omitempty (`source: {}`, `firstTimestamp: null`,
 * `eventTime: null`, `reportingComponent: ""`, `reportingInstance: ""`), times normalised.
 */
export function normalizeCoreEvent(ev: KubeObject): KubeObject {
  checkDecode(ev);
  const out: KubeObject = { metadata: isObject(ev.metadata) ? ev.metadata : {} };
  out.involvedObject = objectRef(ev.involvedObject);
  if (str(ev.reason)) out.reason = ev.reason;
  if (str(ev.message)) out.message = ev.message;
  out.source = eventSource(ev.source);
  out.firstTimestamp = normalizeTime(ev.firstTimestamp, 'Event', 'v1', 'Event.firstTimestamp');
  out.lastTimestamp = normalizeTime(ev.lastTimestamp, 'Event', 'v1', 'Event.lastTimestamp');
  if (typeof ev.count === 'number' && ev.count !== 0) out.count = ev.count;
  if (str(ev.type)) out.type = ev.type;
  out.eventTime = normalizeMicroTime(ev.eventTime, 'Event', 'v1', 'Event.eventTime');
  if (isObject(ev.series)) {
    const series: Record<string, unknown> = {};
    if (typeof ev.series.count === 'number' && ev.series.count !== 0) series.count = ev.series.count;
    series.lastObservedTime = normalizeMicroTime(ev.series.lastObservedTime, 'Event', 'v1', 'EventSeries.series.lastObservedTime');
    out.series = series;
  }
  if (str(ev.action)) out.action = ev.action;
  if (isObject(ev.related)) out.related = objectRef(ev.related);
  out.reportingComponent = str(ev.reportingComponent);
  out.reportingInstance = str(ev.reportingInstance);
  return out;
}

/** events.k8s.io/v1 → core/v1 field mapping (no decoding checks; normalizeCoreEvent does those). */
export function eventV1ToCore(ev: KubeObject): KubeObject {
  const out: KubeObject = { metadata: isObject(ev.metadata) ? ev.metadata : {} };
  out.involvedObject = ev.regarding;
  if (ev.reason !== undefined) out.reason = ev.reason;
  if (ev.note !== undefined) out.message = ev.note;
  out.source = ev.deprecatedSource;
  out.firstTimestamp = ev.deprecatedFirstTimestamp;
  out.lastTimestamp = ev.deprecatedLastTimestamp;
  if (ev.deprecatedCount !== undefined) out.count = ev.deprecatedCount;
  if (ev.type !== undefined) out.type = ev.type;
  out.eventTime = ev.eventTime;
  if (ev.series !== undefined && ev.series !== null) out.series = ev.series;
  if (ev.action !== undefined) out.action = ev.action;
  if (ev.related !== undefined && ev.related !== null) out.related = ev.related;
  out.reportingComponent = ev.reportingController;
  out.reportingInstance = ev.reportingInstance;
  return out;
}

/** core/v1 (stored) → events.k8s.io/v1, with the v1 type's own zero values. */
export function eventCoreToV1(ev: KubeObject): KubeObject {
  const out: KubeObject = { metadata: isObject(ev.metadata) ? ev.metadata : {} };
  out.eventTime = ev.eventTime ?? null;
  if (isObject(ev.series)) {
    // events.k8s.io EventSeries fields have no omitempty.
    out.series = { count: typeof ev.series.count === 'number' ? ev.series.count : 0, lastObservedTime: ev.series.lastObservedTime ?? null };
  }
  if (str(ev.reportingComponent)) out.reportingController = ev.reportingComponent;
  if (str(ev.reportingInstance)) out.reportingInstance = ev.reportingInstance;
  if (str(ev.action)) out.action = ev.action;
  if (str(ev.reason)) out.reason = ev.reason;
  out.regarding = objectRef(ev.involvedObject);
  if (isObject(ev.related)) out.related = objectRef(ev.related);
  if (str(ev.message)) out.note = ev.message;
  if (str(ev.type)) out.type = ev.type;
  out.deprecatedSource = eventSource(ev.source);
  out.deprecatedFirstTimestamp = ev.firstTimestamp ?? null;
  out.deprecatedLastTimestamp = ev.lastTimestamp ?? null;
  if (typeof ev.count === 'number' && ev.count !== 0) out.deprecatedCount = ev.count;
  return out;
}

// ------------------------------------------------------------------ validation

const REPORTING_INSTANCE_LIMIT = 128;
const ACTION_LIMIT = 128;
const REASON_LIMIT = 128;
const NOTE_LIMIT = 1024;

/** legacyValidateEvent: what every Event must satisfy, whichever API version wrote it. */
function legacyValidate(ev: KubeObject, reportingField: 'reportingComponent' | 'reportingController'): FieldCause[] {
  const causes: FieldCause[] = [];
  const ns: string = ev.metadata?.namespace ?? '';
  const involvedNs: string = ev.involvedObject?.namespace ?? '';
  const mismatch = () => causes.push(field.invalid('involvedObject.namespace', involvedNs, 'does not match event.namespace'));
  if (!ev.eventTime) {
    if (involvedNs === '') {
      if (ns !== '' && ns !== 'default') mismatch();
    } else if (ns !== involvedNs) {
      mismatch();
    }
  } else {
    if (involvedNs === '' && ns !== 'default' && ns !== 'kube-system') mismatch();
    const controller = str(ev.reportingComponent);
    if (controller.length === 0) causes.push(field.required(reportingField));
    causes.push(...invalidEach(reportingField, controller, isQualifiedName(controller)));
    const instance = str(ev.reportingInstance);
    if (instance.length === 0) causes.push(field.required('reportingInstance'));
    if (instance.length > REPORTING_INSTANCE_LIMIT) causes.push(field.invalid('reportingInstance', '', `can have at most ${REPORTING_INSTANCE_LIMIT} characters`));
    const action = str(ev.action);
    if (action.length === 0) causes.push(field.required('action'));
    if (action.length > ACTION_LIMIT) causes.push(field.invalid('action', '', `can have at most ${ACTION_LIMIT} characters`));
    const reason = str(ev.reason);
    if (reason.length === 0) causes.push(field.required('reason'));
    if (reason.length > REASON_LIMIT) causes.push(field.invalid('reason', '', `can have at most ${REASON_LIMIT} characters`));
    if (str(ev.message).length > NOTE_LIMIT) causes.push(field.invalid('message', '', `can have at most ${NOTE_LIMIT} characters`));
  }
  causes.push(...invalidEach('namespace', ns, isDNS1123Subdomain(ns)));
  return causes;
}

function validateSeries(ev: KubeObject): FieldCause[] {
  const causes: FieldCause[] = [];
  if (isObject(ev.series)) {
    if (!(typeof ev.series.count === 'number' && ev.series.count >= 2)) causes.push(field.invalid('series.count', '', 'should be at least 2'));
    if (!ev.series.lastObservedTime) causes.push(field.required('series.lastObservedTime'));
  }
  return causes;
}

/** The stricter rules events.k8s.io/v1 adds on create. */
function strictCreate(ev: KubeObject): FieldCause[] {
  const causes = validateObjectMeta(ev.metadata ?? {}, { namespaced: true, nameValidator: 'DNS1123Subdomain' });
  causes.push(...validateSeries(ev));
  if (!ev.eventTime) causes.push(field.required('eventTime'));
  if (ev.type !== 'Normal' && ev.type !== 'Warning') causes.push(field.invalid('type', '', `has invalid value: ${str(ev.type)}`));
  if (ev.firstTimestamp) causes.push(field.invalid('deprecatedFirstTimestamp', '', 'needs to be unset'));
  if (ev.lastTimestamp) causes.push(field.invalid('deprecatedLastTimestamp', '', 'needs to be unset'));
  if (typeof ev.count === 'number' && ev.count !== 0) causes.push(field.invalid('deprecatedCount', '', 'needs to be unset'));
  if (ev.source?.component || ev.source?.host) causes.push(field.invalid('deprecatedSource', '', 'needs to be unset'));
  return causes;
}

/** Go's time.Time.String() of a normalised time; the zero time when unset. */
function goTimeString(v: unknown): string {
  return typeof v === 'string' && v ? vGoTimeString(v) : '0001-01-01 00:00:00 +0000 UTC';
}

function goObjectRef(v: unknown): string {
  const r = objectRef(v);
  const names: Record<string, string> = {
    kind: 'Kind',
    namespace: 'Namespace',
    name: 'Name',
    uid: 'UID',
    apiVersion: 'APIVersion',
    resourceVersion: 'ResourceVersion',
    fieldPath: 'FieldPath',
  };
  return `core.ObjectReference{${REF_FIELDS.map((k) => `${names[k]}:${JSON.stringify(r[k] ?? '')}`).join(', ')}}`;
}

/** ValidateEventUpdate's strict part (events.k8s.io/v1): nearly everything is immutable. */
function strictUpdate(ev: KubeObject, old: KubeObject): FieldCause[] {
  const causes = validateMetaUpdate(ev, old);
  if (!semanticEqual(ev.series, old.series)) causes.push(...validateSeries(ev));
  const immutable = (path: string, a: unknown, b: unknown, rendered: () => string) => {
    if (!semanticEqual(a ?? null, b ?? null)) causes.push(invalidRendered(path, rendered(), 'field is immutable'));
  };
  const q = (v: unknown) => () => JSON.stringify(str(v));
  immutable('involvedObject', objectRef(ev.involvedObject), objectRef(old.involvedObject), () => goObjectRef(ev.involvedObject));
  immutable('reason', str(ev.reason), str(old.reason), q(ev.reason));
  immutable('message', str(ev.message), str(old.message), q(ev.message));
  immutable('source', eventSource(ev.source), eventSource(old.source), () => {
    const s = eventSource(ev.source);
    return `core.EventSource{Component:${JSON.stringify(s.component ?? '')}, Host:${JSON.stringify(s.host ?? '')}}`;
  });
  immutable('firstTimestamp', ev.firstTimestamp, old.firstTimestamp, () => goTimeString(ev.firstTimestamp));
  immutable('lastTimestamp', ev.lastTimestamp, old.lastTimestamp, () => goTimeString(ev.lastTimestamp));
  immutable('count', ev.count ?? 0, old.count ?? 0, () => String(ev.count ?? 0));
  // kube checks reason twice; a changed reason is reported twice.
  immutable('reason', str(ev.reason), str(old.reason), q(ev.reason));
  immutable('type', str(ev.type), str(old.type), q(ev.type));
  immutable('eventTime', ev.eventTime, old.eventTime, () => goTimeString(ev.eventTime));
  immutable('action', str(ev.action), str(old.action), q(ev.action));
  immutable('related', ev.related ? objectRef(ev.related) : null, old.related ? objectRef(old.related) : null, () =>
    ev.related ? goObjectRef(ev.related) : 'null',
  );
  immutable('reportingController', str(ev.reportingComponent), str(old.reportingComponent), q(ev.reportingComponent));
  immutable('reportingInstance', str(ev.reportingInstance), str(old.reportingInstance), q(ev.reportingInstance));
  return causes;
}

/** The generic object-meta check kube runs after the (lenient) core/v1 Event validation passed. */
function coreMetaCheck(ev: KubeObject, causes: FieldCause[]): FieldCause[] {
  if (causes.length) return causes;
  return validateObjectMeta(ev.metadata ?? {}, { namespaced: true, nameValidator: 'path-segment' });
}

// ------------------------------------------------------------------ table

function coreEventCells(ev: KubeObject, now: Date): unknown[] {
  let firstSeen = since(ev.firstTimestamp, now);
  if (!ev.firstTimestamp) firstSeen = since(ev.eventTime, now);
  let lastSeen = since(ev.lastTimestamp, now);
  if (!ev.lastTimestamp) lastSeen = firstSeen;
  let count: number = typeof ev.count === 'number' ? ev.count : 0;
  if (isObject(ev.series)) {
    lastSeen = since(ev.series.lastObservedTime, now);
    count = typeof ev.series.count === 'number' ? ev.series.count : 0;
  } else if (count === 0) {
    // Singleton events of the new API have no count.
    count = 1;
  }
  const io = ev.involvedObject ?? {};
  const kind = str(io.kind).toLowerCase();
  const target = str(io.name) ? `${kind}/${io.name}` : kind;
  const component = str(ev.source?.component) || str(ev.reportingComponent);
  const instance = str(ev.source?.host) || str(ev.reportingInstance);
  const source = instance ? `${component}, ${instance}` : component;
  return [lastSeen, str(ev.type), str(ev.reason), target, str(io.fieldPath), source, str(ev.message).trim(), firstSeen, count, ev.metadata?.name ?? ''];
}

function eventTable(toCore: (o: KubeObject) => KubeObject): TableConverter {
  return {
    columns: [
      column('Last Seen', 'The time at which the most recent occurrence of this event was recorded.'),
      column('Type', 'Type of this event (Normal, Warning), new types could be added in the future'),
      column('Reason', "This should be a short, machine understandable string that gives the reason for the transition into the object's current status."),
      column('Object', 'The object that this event is about.'),
      column(
        'Subobject',
        'If referring to a piece of an object instead of an entire object, this string should contain a valid JSON/Go field access statement, such as desiredState.manifest.containers[2]. For example, if the object reference is to a container within a pod, this would take on a value like: "spec.containers{name}" (where "name" refers to the name of the container that triggered the event) or if no container name is specified "spec.containers[2]" (container with index 2 in this pod). This syntax is chosen only to have some well-defined way of referencing a part of an object.',
        1,
      ),
      column('Source', 'The component reporting this event. Should be a short machine understandable string.', 1),
      column('Message', 'A human-readable description of the status of this operation.'),
      column('First Seen', 'The time at which the event was first recorded. (Time of server receipt is in TypeMeta.)', 1),
      column('Count', 'The number of times this event has occurred.', 1),
      nameColumn(1),
    ],
    cells: (obj, now) => coreEventCells(toCore(obj), now),
  };
}

// ------------------------------------------------------------------ resource types

const EVENT_VERBS = ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'];

export function eventsResource(): ResourceType {
  const ref = (k: string) => (o: KubeObject) => str(o.involvedObject?.[k]);
  return {
    group: '',
    version: 'v1',
    resource: 'events',
    kind: 'Event',
    listKind: 'EventList',
    singular: 'event',
    namespaced: true,
    storage: EVENTS_STORAGE,
    shortNames: ['ev'],
    verbs: EVENT_VERBS,
    subresources: [],
    deleteReturnsObject: false,
    fieldSelectorErrorStyle: 'not-supported',
    fieldSelectors: {
      'involvedObject.kind': ref('kind'),
      'involvedObject.namespace': ref('namespace'),
      'involvedObject.name': ref('name'),
      'involvedObject.uid': ref('uid'),
      'involvedObject.apiVersion': ref('apiVersion'),
      'involvedObject.resourceVersion': ref('resourceVersion'),
      'involvedObject.fieldPath': ref('fieldPath'),
      reason: (o) => str(o.reason),
      reportingComponent: (o) => str(o.reportingComponent),
      source: (o) => str(o.source?.component) || str(o.reportingComponent),
      type: (o) => str(o.type),
    },
    strategicSchema: builtinStrategicSchemas['/Event'],
    hasStatusSubresource: false,
    statusWriteKeepsMetadata: true,
    tracksGeneration: false,
    storageVersionHash: 'r2yiGXH7wu8=',
    table: eventTable((o) => o),
    hooks: {
      prepareCreate(_ctx, ev) {
        replaceContents(ev, normalizeCoreEvent(ev));
      },
      validateCreate: (_ctx, ev) => coreMetaCheck(ev, legacyValidate(ev, 'reportingComponent')),
      prepareUpdate(_ctx, ev) {
        replaceContents(ev, normalizeCoreEvent(ev));
      },
      validateUpdate: (_ctx, ev) => coreMetaCheck(ev, legacyValidate(ev, 'reportingComponent')),
    },
  };
}

export function eventsV1Resource(): ResourceType {
  const ref = (k: string) => (o: KubeObject) => str((o.regarding ?? o.involvedObject)?.[k]);
  return {
    group: 'events.k8s.io',
    version: 'v1',
    resource: 'events',
    kind: 'Event',
    listKind: 'EventList',
    singular: 'event',
    namespaced: true,
    storage: EVENTS_STORAGE,
    // Served from the core Event storage: errors name the core group (recorded 422s in 06).
    errorGroup: '',
    shortNames: ['ev'],
    verbs: EVENT_VERBS,
    subresources: [],
    deleteReturnsObject: false,
    fieldSelectorErrorStyle: 'not-supported',
    // Extractors receive the events.k8s.io form (toExternal); they fall back to the core names.
    fieldSelectors: {
      'regarding.kind': ref('kind'),
      'regarding.namespace': ref('namespace'),
      'regarding.name': ref('name'),
      'regarding.uid': ref('uid'),
      'regarding.apiVersion': ref('apiVersion'),
      'regarding.resourceVersion': ref('resourceVersion'),
      'regarding.fieldPath': ref('fieldPath'),
      reason: (o) => str(o.reason),
      reportingController: (o) => str(o.reportingController ?? o.reportingComponent),
      type: (o) => str(o.type),
    },
    strategicSchema: builtinStrategicSchemas['events.k8s.io/Event'],
    hasStatusSubresource: false,
    statusWriteKeepsMetadata: true,
    tracksGeneration: false,
    storageVersionHash: 'r2yiGXH7wu8=',
    table: eventTable((o) => ('regarding' in o || 'note' in o || 'deprecatedSource' in o ? eventV1ToCore(o) : o)),
    hooks: {
      toExternal: eventCoreToV1,
      toInternal: eventV1ToCore,
      prepareCreate(_ctx, ev) {
        replaceContents(ev, normalizeCoreEvent(ev));
      },
      validateCreate: (_ctx, ev) => [...legacyValidate(ev, 'reportingController'), ...strictCreate(ev)],
      prepareUpdate(_ctx, ev) {
        replaceContents(ev, normalizeCoreEvent(ev));
      },
      validateUpdate: (_ctx, ev, old) => [...legacyValidate(ev, 'reportingController'), ...strictUpdate(ev, old)],
    },
  };
}

/** Hooks mutate in place: swap the object's contents for the normalised form. */
function replaceContents(target: KubeObject, source: KubeObject): void {
  for (const k of Object.keys(target)) delete target[k];
  Object.assign(target, source);
}
