// apimachinery schemas shared by every group-version document (metadata, Status, DeleteOptions,
// discovery types, IntOrString, Quantity, ...).
import {
  META,
  QUANTITY,
  INT_OR_STRING,
  bool,
  int32,
  int64,
  list,
  obj,
  refField,
  str,
  stringMap,
  strings,
  time,
  typeMetaProperties,
  type Schema,
} from './dsl.js';

/** Groups whose DeleteOptions/WatchEvent kube registers; listed in those schemas' GVK extension. */
const OPTION_GROUPS: [string, string][] = [
  ['', 'v1'],
  ['apiextensions.k8s.io', 'v1'],
  ['apps', 'v1'],
  ['autoscaling', 'v1'],
  ['coordination.k8s.io', 'v1'],
  ['discovery.k8s.io', 'v1'],
  ['events.k8s.io', 'v1'],
  ['policy', 'v1'],
];

const gvks = (kind: string) => OPTION_GROUPS.map(([group, version]) => ({ group, kind, version }));

export const META_SCHEMAS: Record<string, Schema> = {
  [META + 'ObjectMeta']: obj(
    'ObjectMeta is metadata that all persisted resources must have, which includes all objects users must create.',
    {
      annotations: stringMap('Annotations is an unstructured key value map stored with a resource that may be set by external tools to store and retrieve arbitrary metadata.'),
      creationTimestamp: time('CreationTimestamp is a timestamp representing the server time when this object was created. Populated by the system. Read-only.'),
      deletionGracePeriodSeconds: int64('Number of seconds allowed for this object to gracefully terminate before it will be removed from the system. Only set when deletionTimestamp is also set.'),
      deletionTimestamp: time('DeletionTimestamp is the time after which this resource will be deleted. Set by the server when a graceful deletion is requested. Read-only.'),
      finalizers: strings('Must be empty before the object is deleted from the registry.', { strategy: 'merge', listType: 'set' }),
      generateName: str('GenerateName is an optional prefix, used by the server, to generate a unique name ONLY IF the Name field has not been provided.'),
      generation: int64('A sequence number representing a specific generation of the desired state. Populated by the system. Read-only.'),
      labels: stringMap('Map of string keys and values that can be used to organize and categorize (scope and select) objects.'),
      managedFields: list(META + 'ManagedFieldsEntry', 'ManagedFields maps workflow-id and version to the set of fields that are managed by that workflow.'),
      name: str('Name must be unique within a namespace. Cannot be updated.'),
      namespace: str('Namespace defines the space within which each name must be unique. Cannot be updated.'),
      ownerReferences: list(META + 'OwnerReference', 'List of objects depended by this object.', {
        strategy: 'merge',
        key: 'uid',
        listType: 'map',
        mapKeys: ['uid'],
      }),
      resourceVersion: str('An opaque value that represents the internal version of this object, used for optimistic concurrency. Read-only.'),
      selfLink: str('Deprecated: selfLink is a legacy read-only field that is no longer populated by the system.'),
      uid: str('UID is the unique in time and space value for this object. Populated by the system. Read-only.'),
    },
  ),
  [META + 'ListMeta']: obj('ListMeta describes metadata that synthetic resources must have, including lists and various status objects.', {
    continue: str('continue may be set if the user set a limit on the number of items returned.'),
    remainingItemCount: int64('remainingItemCount is the number of subsequent items in the list which are not included in this list response.'),
    resourceVersion: str("String that identifies the server's internal version of this object."),
    selfLink: str('Deprecated: selfLink is a legacy read-only field that is no longer populated by the system.'),
  }),
  [META + 'OwnerReference']: obj(
    'OwnerReference contains enough information to let you identify an owning object.',
    {
      apiVersion: str('API version of the referent.'),
      blockOwnerDeletion: bool('If true, AND if the owner has the "foregroundDeletion" finalizer, then the owner cannot be deleted from the key-value store until this reference is removed.'),
      controller: bool('If true, this reference points to the managing controller.'),
      kind: str('Kind of the referent.'),
      name: str('Name of the referent.'),
      uid: str('UID of the referent.'),
    },
    { required: ['apiVersion', 'kind', 'name', 'uid'], mapType: 'atomic' },
  ),
  [META + 'ManagedFieldsEntry']: obj('ManagedFieldsEntry is a workflow-id, a FieldSet and the group version of the resource that the fieldset applies to.', {
    apiVersion: str('APIVersion defines the version of this resource that this field set applies to.'),
    fieldsType: str('FieldsType is the discriminator for the different fields format and version. There is currently only one possible value: "FieldsV1"'),
    fieldsV1: refField(META + 'FieldsV1', 'FieldsV1 holds the first JSON version format as described in the "FieldsV1" type.'),
    manager: str('Manager is an identifier of the workflow managing these fields.'),
    operation: str("Operation is the type of operation which lead to this ManagedFieldsEntry being created. The only valid values for this field are 'Apply' and 'Update'."),
    subresource: str('Subresource is the name of the subresource used to update that object, or empty string if the object was updated through the main resource.'),
    time: time('Time is the timestamp of when the ManagedFields entry was added.'),
  }),
  [META + 'FieldsV1']: { description: 'FieldsV1 stores a set of fields in a data structure like a Trie, in JSON format.', type: 'object' },
  [META + 'Time']: { description: 'Time is a wrapper around time.Time which supports correct marshaling to YAML and JSON.', type: 'string', format: 'date-time' },
  [META + 'MicroTime']: { description: 'MicroTime is version of Time with microsecond level precision.', type: 'string', format: 'date-time' },
  [META + 'LabelSelector']: obj(
    'A label selector is a label query over a set of resources. The result of matchLabels and matchExpressions are ANDed. An empty label selector matches all objects. A null label selector matches no objects.',
    {
      matchExpressions: list(META + 'LabelSelectorRequirement', 'matchExpressions is a list of label selector requirements. The requirements are ANDed.', { listType: 'atomic' }),
      matchLabels: stringMap('matchLabels is a map of {key,value} pairs.'),
    },
    { mapType: 'atomic' },
  ),
  [META + 'LabelSelectorRequirement']: obj(
    'A label selector requirement is a selector that contains values, a key, and an operator that relates the key and values.',
    {
      key: str('key is the label key that the selector applies to.'),
      operator: str("operator represents a key's relationship to a set of values. Valid operators are In, NotIn, Exists and DoesNotExist."),
      values: strings('values is an array of string values.'),
    },
    { required: ['key', 'operator'] },
  ),
  [META + 'Condition']: obj(
    'Condition contains details for one aspect of the current state of this API Resource.',
    {
      lastTransitionTime: time('lastTransitionTime is the last time the condition transitioned from one status to another.'),
      message: str('message is a human readable message indicating details about the transition.'),
      observedGeneration: int64('observedGeneration represents the .metadata.generation that the condition was set based upon.'),
      reason: str("reason contains a programmatic identifier indicating the reason for the condition's last transition."),
      status: str('status of the condition, one of True, False, Unknown.'),
      type: str('type of condition in CamelCase or in foo.example.com/CamelCase.'),
    },
    { required: ['type', 'status', 'lastTransitionTime', 'reason', 'message'] },
  ),
  [META + 'Status']: obj(
    'Status is a return value for calls that do not return other objects.',
    {
      ...typeMetaProperties(),
      code: int32('Suggested HTTP return code for this status, 0 if not set.'),
      details: refField(META + 'StatusDetails', 'Extended data associated with the reason.'),
      message: str('A human-readable description of the status of this operation.'),
      metadata: refField(META + 'ListMeta', 'Standard list metadata.'),
      reason: str('A machine-readable description of why this operation is in the "Failure" status.'),
      status: str('Status of the operation. One of: "Success" or "Failure".'),
    },
    { gvk: [{ group: '', kind: 'Status', version: 'v1' }] },
  ),
  [META + 'StatusDetails']: obj('StatusDetails is a set of additional properties that MAY be set by the server to provide additional information about a response.', {
    causes: list(META + 'StatusCause', 'The Causes array includes more details associated with the StatusReason failure.', { listType: 'atomic' }),
    group: str('The group attribute of the resource associated with the status StatusReason.'),
    kind: str('The kind attribute of the resource associated with the status StatusReason.'),
    name: str('The name attribute of the resource associated with the status StatusReason (when there is a single name which can be described).'),
    retryAfterSeconds: int32('If specified, the time in seconds before the operation should be retried.'),
    uid: str('UID of the resource.'),
  }),
  [META + 'StatusCause']: obj('StatusCause provides more information about an api.Status failure, including cases when multiple errors are encountered.', {
    field: str('The field of the resource that has caused this error, as named by its JSON serialization.'),
    message: str('A human-readable description of the cause of the error.'),
    reason: str('A machine-readable description of the cause of the error.'),
  }),
  [META + 'DeleteOptions']: obj(
    'DeleteOptions may be provided when deleting an API object.',
    {
      ...typeMetaProperties(),
      dryRun: strings('When present, indicates that modifications should not be persisted. Valid values are: - All: all dry run stages will be processed'),
      gracePeriodSeconds: int64('The duration in seconds before the object should be deleted.'),
      orphanDependents: bool('Deprecated: please use the PropagationPolicy.'),
      preconditions: refField(META + 'Preconditions', 'Must be fulfilled before a deletion is carried out. If not possible, a 409 Conflict status will be returned.'),
      propagationPolicy: str("Whether and how garbage collection will be performed: 'Orphan', 'Background' or 'Foreground'."),
    },
    { gvk: gvks('DeleteOptions') },
  ),
  [META + 'Preconditions']: obj('Preconditions must be fulfilled before an operation (update, delete, etc.) is carried out.', {
    resourceVersion: str('Specifies the target ResourceVersion'),
    uid: str('Specifies the target UID.'),
  }),
  [META + 'Patch']: { description: 'Patch is provided to give a concrete name and type to the Kubernetes PATCH request body.', type: 'object' },
  [META + 'WatchEvent']: obj(
    'Event represents a single event to a watched resource.',
    {
      object: refField('io.k8s.apimachinery.pkg.runtime.RawExtension', 'Object is the object as it was at the time of the event (or a Status for ERROR events).'),
      type: str('ADDED, MODIFIED, DELETED, BOOKMARK or ERROR.'),
    },
    { required: ['type', 'object'], gvk: gvks('WatchEvent') },
  ),
  'io.k8s.apimachinery.pkg.runtime.RawExtension': {
    description: 'RawExtension is used to hold extensions in external versions.',
    type: 'object',
  },
  [META + 'APIResource']: obj(
    'APIResource specifies the name of a resource and whether it is namespaced.',
    {
      categories: strings('categories is a list of the grouped resources this resource belongs to (e.g. \'all\')'),
      group: str('group is the preferred group of the resource.'),
      kind: str("kind is the kind for the resource (e.g. 'Foo' is the kind for a resource 'foo')"),
      name: str('name is the plural name of the resource.'),
      namespaced: bool('namespaced indicates if a resource is namespaced or not.'),
      shortNames: strings('shortNames is a list of suggested short names of the resource.'),
      singularName: str('singularName is the singular name of the resource.'),
      storageVersionHash: str('The hash value of the storage version, the version this resource is converted to when written to the data store.'),
      verbs: strings('verbs is a list of supported kube verbs.'),
      version: str('version is the preferred version of the resource.'),
    },
    { required: ['name', 'singularName', 'namespaced', 'kind', 'verbs'] },
  ),
  [META + 'APIResourceList']: obj(
    'APIResourceList is a list of APIResource, it is used to expose the name of the resources supported in a specific group and version, and if the resource is namespaced.',
    {
      ...typeMetaProperties(),
      groupVersion: str('groupVersion is the group and version this APIResourceList is for.'),
      resources: list(META + 'APIResource', 'resources contains the name of the resources and if they are namespaced.', { listType: 'atomic' }),
    },
    { required: ['groupVersion', 'resources'], gvk: [{ group: '', kind: 'APIResourceList', version: 'v1' }] },
  ),
  [META + 'APIVersions']: obj(
    'APIVersions lists the versions that are available, to allow clients to discover the API at /api, which is the root path of the legacy v1 API.',
    {
      ...typeMetaProperties(),
      serverAddressByClientCIDRs: list(META + 'ServerAddressByClientCIDR', 'a map of client CIDR to server address that is serving this group.', { listType: 'atomic' }),
      versions: strings('versions are the api versions that are available.'),
    },
    { required: ['versions', 'serverAddressByClientCIDRs'], gvk: [{ group: '', kind: 'APIVersions', version: 'v1' }] },
  ),
  [META + 'ServerAddressByClientCIDR']: obj(
    'ServerAddressByClientCIDR helps the client to determine the server address that they should use, depending on the clientCIDR that they match.',
    {
      clientCIDR: str('The CIDR with which clients can match their IP to figure out the server address that they should use.'),
      serverAddress: str('Address of this server, suitable for a client that matches the above CIDR.'),
    },
    { required: ['clientCIDR', 'serverAddress'] },
  ),
  [META + 'APIGroup']: obj(
    'APIGroup contains the name, the supported versions, and the preferred version of a group.',
    {
      ...typeMetaProperties(),
      name: str('name is the name of the group.'),
      preferredVersion: refField(META + 'GroupVersionForDiscovery', 'preferredVersion is the version preferred by the API server, which probably is the storage version.'),
      serverAddressByClientCIDRs: list(META + 'ServerAddressByClientCIDR', 'a map of client CIDR to server address that is serving this group.', { listType: 'atomic' }),
      versions: list(META + 'GroupVersionForDiscovery', 'versions are the versions supported in this group.', { listType: 'atomic' }),
    },
    { required: ['name', 'versions'], gvk: [{ group: '', kind: 'APIGroup', version: 'v1' }] },
  ),
  [META + 'APIGroupList']: obj(
    'APIGroupList is a list of APIGroup, to allow clients to discover the API at /apis.',
    {
      ...typeMetaProperties(),
      groups: list(META + 'APIGroup', 'groups is a list of APIGroup.', { listType: 'atomic' }),
    },
    { required: ['groups'], gvk: [{ group: '', kind: 'APIGroupList', version: 'v1' }] },
  ),
  [META + 'GroupVersionForDiscovery']: obj(
    'GroupVersion contains the "group/version" and "version" string of a version.',
    {
      groupVersion: str('groupVersion specifies the API group and version in the form "group/version"'),
      version: str('version specifies the version in the form of "version".'),
    },
    { required: ['groupVersion', 'version'] },
  ),
  'io.k8s.apimachinery.pkg.version.Info': obj(
    'Info contains versioning information.',
    {
      buildDate: str(),
      compiler: str(),
      gitCommit: str(),
      gitTreeState: str(),
      gitVersion: str(),
      goVersion: str(),
      major: str(),
      minor: str(),
      platform: str(),
    },
    { required: ['major', 'minor', 'gitVersion', 'gitCommit', 'gitTreeState', 'buildDate', 'goVersion', 'compiler', 'platform'] },
  ),
  [QUANTITY]: {
    description:
      'Quantity is a fixed-point representation of a number, serialized as a string such as "100m", "1Gi" or "2".',
    type: 'string',
  },
  [INT_OR_STRING]: {
    description: 'IntOrString is a type that can hold an int32 or a string.',
    type: 'string',
    format: 'int-or-string',
  },
};

