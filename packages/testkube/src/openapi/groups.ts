// Schemas of coordination.k8s.io/v1, discovery.k8s.io/v1, events.k8s.io/v1 and
// apiextensions.k8s.io/v1 (CustomResourceDefinition).
import {
  CORE,
  bool,
  bytes,
  int32,
  int64,
  kind,
  kindList,
  list,
  map,
  microTime,
  num,
  obj,
  ref,
  refField,
  str,
  stringMap,
  strings,
  time,
  type Schema,
} from './dsl.js';

const COORD = 'io.k8s.api.coordination.v1.';
const DISC = 'io.k8s.api.discovery.v1.';
const EVENTS = 'io.k8s.api.events.v1.';
export const APIEXT = 'io.k8s.apiextensions-apiserver.pkg.apis.apiextensions.v1.';

const atomic = { listType: 'atomic' as const };

export const GROUP_SCHEMAS: Record<string, Schema> = {
  // --------------------------------------------------------------------------------- Lease
  [COORD + 'Lease']: kind('coordination.k8s.io', 'v1', 'Lease', 'Lease defines a lease concept.', {
    spec: refField(COORD + 'LeaseSpec', 'spec contains the specification of the Lease.'),
  }),
  [COORD + 'LeaseList']: kindList('coordination.k8s.io', 'v1', 'Lease', COORD + 'Lease'),
  [COORD + 'LeaseSpec']: obj('LeaseSpec is a specification of a Lease.', {
    acquireTime: microTime('acquireTime is a time when the current lease was acquired.'),
    holderIdentity: str('holderIdentity contains the identity of the holder of a current lease.'),
    leaseDurationSeconds: int32('leaseDurationSeconds is a duration that candidates for a lease need to wait to force acquire it.'),
    leaseTransitions: int32('leaseTransitions is the number of transitions of a lease between holders.'),
    renewTime: microTime('renewTime is a time when the current holder of a lease has last updated the lease.'),
  }),

  // ------------------------------------------------------------------------- EndpointSlice
  [DISC + 'EndpointSlice']: kind(
    'discovery.k8s.io',
    'v1',
    'EndpointSlice',
    'EndpointSlice represents a subset of the endpoints that implement a service.',
    {
      addressType: str('addressType specifies the type of address carried by this EndpointSlice: IPv4, IPv6 or FQDN.', ['FQDN', 'IPv4', 'IPv6']),
      endpoints: list(DISC + 'Endpoint', 'endpoints is a list of unique endpoints in this slice.', atomic),
      ports: list(DISC + 'EndpointPort', 'ports specifies the list of network ports exposed by each endpoint in this slice.', atomic),
    },
    { required: ['addressType', 'endpoints'] },
  ),
  [DISC + 'EndpointSliceList']: kindList('discovery.k8s.io', 'v1', 'EndpointSlice', DISC + 'EndpointSlice'),
  [DISC + 'Endpoint']: obj(
    'Endpoint represents a single logical "backend" implementing a service.',
    {
      addresses: strings('addresses of this endpoint.', { listType: 'set' }),
      conditions: refField(DISC + 'EndpointConditions', 'conditions contains information about the current status of the endpoint.'),
      deprecatedTopology: stringMap('deprecatedTopology contains topology information part of the v1beta1 API.'),
      hints: refField(DISC + 'EndpointHints', 'hints contains information associated with how an endpoint should be consumed.'),
      hostname: str('hostname of this endpoint.'),
      nodeName: str('nodeName represents the name of the Node hosting this endpoint.'),
      targetRef: refField(CORE + 'ObjectReference', 'targetRef is a reference to a Kubernetes object that represents this endpoint.'),
      zone: str('zone is the name of the Zone this endpoint exists in.'),
    },
    { required: ['addresses'] },
  ),
  [DISC + 'EndpointConditions']: obj('EndpointConditions represents the current condition of an endpoint.', {
    ready: bool('ready indicates that this endpoint is prepared to receive traffic, according to whatever system is managing the endpoint.'),
    serving: bool('serving is identical to ready except that it is set regardless of the terminating state of endpoints.'),
    terminating: bool('terminating indicates that this endpoint is terminating.'),
  }),
  [DISC + 'EndpointHints']: obj('EndpointHints provides hints describing how an endpoint should be consumed.', {
    forZones: list(DISC + 'ForZone', 'forZones indicates the zone(s) this endpoint should be consumed by to enable topology aware routing.', atomic),
  }),
  [DISC + 'ForZone']: obj('ForZone provides information about which zones should consume this endpoint.', { name: str('name represents the name of the zone.') }, { required: ['name'] }),
  [DISC + 'EndpointPort']: obj(
    'EndpointPort represents a Port used by an EndpointSlice',
    {
      appProtocol: str('The application protocol for this port.'),
      name: str('name represents the name of this port.'),
      port: int32('port represents the port number of the endpoint.'),
      protocol: str('protocol represents the IP protocol for this port. Must be UDP, TCP, or SCTP. Default is TCP.', ['SCTP', 'TCP', 'UDP']),
    },
    { mapType: 'atomic' },
  ),

  // ------------------------------------------------------------------ events.k8s.io Event
  [EVENTS + 'Event']: kind(
    'events.k8s.io',
    'v1',
    'Event',
    'Event is a report of an event somewhere in the cluster.',
    {
      action: str('action is what action was taken/failed regarding to the regarding object.'),
      deprecatedCount: int32('deprecatedCount is the deprecated field assuring backward compatibility with core.v1 Event type.'),
      deprecatedFirstTimestamp: time('deprecatedFirstTimestamp is the deprecated field assuring backward compatibility with core.v1 Event type.'),
      deprecatedLastTimestamp: time('deprecatedLastTimestamp is the deprecated field assuring backward compatibility with core.v1 Event type.'),
      deprecatedSource: refField(CORE + 'EventSource', 'deprecatedSource is the deprecated field assuring backward compatibility with core.v1 Event type.'),
      eventTime: microTime('eventTime is the time when this Event was first observed. It is required.'),
      note: str('note is a human-readable description of the status of this operation.'),
      reason: str('reason is why the action was taken. It is human-readable.'),
      regarding: refField(CORE + 'ObjectReference', 'regarding contains the object this Event is about.'),
      related: refField(CORE + 'ObjectReference', 'related is the optional secondary object for more complex actions.'),
      reportingController: str('reportingController is the name of the controller that emitted this Event.'),
      reportingInstance: str('reportingInstance is the ID of the controller instance.'),
      series: refField(EVENTS + 'EventSeries', "series is data about the Event series this event represents or nil if it's a singleton Event."),
      type: str('type is the type of this event (Normal, Warning), new types could be added in the future.'),
    },
    { required: ['eventTime'] },
  ),
  [EVENTS + 'EventList']: kindList('events.k8s.io', 'v1', 'Event', EVENTS + 'Event'),
  [EVENTS + 'EventSeries']: obj(
    'EventSeries contain information on series of events.',
    {
      count: int32('count is the number of occurrences in this series up to the last heartbeat time.'),
      lastObservedTime: microTime('lastObservedTime is the time when last Event from the series was seen before last heartbeat.'),
    },
    { required: ['count', 'lastObservedTime'] },
  ),

  // -------------------------------------------------------------- CustomResourceDefinition
  [APIEXT + 'CustomResourceDefinition']: kind(
    'apiextensions.k8s.io',
    'v1',
    'CustomResourceDefinition',
    'CustomResourceDefinition represents a resource that should be exposed on the API server.  Its name MUST be in the format <.spec.name>.<.spec.group>.',
    {
      spec: refField(APIEXT + 'CustomResourceDefinitionSpec', 'spec describes how the user wants the resources to appear'),
      status: refField(APIEXT + 'CustomResourceDefinitionStatus', 'status indicates the actual state of the CustomResourceDefinition'),
    },
    { required: ['spec'] },
  ),
  [APIEXT + 'CustomResourceDefinitionList']: kindList('apiextensions.k8s.io', 'v1', 'CustomResourceDefinition', APIEXT + 'CustomResourceDefinition'),
  [APIEXT + 'CustomResourceDefinitionSpec']: obj(
    'CustomResourceDefinitionSpec describes how a user wants their resource to appear',
    {
      conversion: refField(APIEXT + 'CustomResourceConversion', 'conversion defines conversion settings for the CRD.'),
      group: str('group is the API group of the defined custom resource.'),
      names: refField(APIEXT + 'CustomResourceDefinitionNames', 'names specify the resource and kind names for the custom resource.'),
      preserveUnknownFields: bool('preserveUnknownFields indicates that object fields which are not specified in the OpenAPI schema should be preserved when persisting to storage.'),
      scope: str('scope indicates whether the defined custom resource is cluster- or namespace-scoped. Allowed values are `Cluster` and `Namespaced`.'),
      versions: list(APIEXT + 'CustomResourceDefinitionVersion', 'versions is the list of all API versions of the defined custom resource.', atomic),
    },
    { required: ['group', 'names', 'scope', 'versions'] },
  ),
  [APIEXT + 'CustomResourceDefinitionNames']: obj(
    'CustomResourceDefinitionNames indicates the names to serve this CustomResourceDefinition',
    {
      categories: strings('categories is a list of grouped resources this custom resource belongs to (e.g. \'all\').'),
      kind: str('kind is the serialized kind of the resource. It is normally CamelCase and singular.'),
      listKind: str('listKind is the serialized kind of the list for this resource. Defaults to "`kind`List".'),
      plural: str('plural is the plural name of the resource to serve.'),
      shortNames: strings('shortNames are short names for the resource, exposed in API discovery documents.'),
      singular: str('singular is the singular name of the resource. It must be all lowercase. Defaults to lowercased `kind`.'),
    },
    { required: ['plural', 'kind'] },
  ),
  [APIEXT + 'CustomResourceDefinitionVersion']: obj(
    'CustomResourceDefinitionVersion describes a version for CRD.',
    {
      additionalPrinterColumns: list(APIEXT + 'CustomResourceColumnDefinition', 'additionalPrinterColumns specifies additional columns returned in Table output.', atomic),
      deprecated: bool('deprecated indicates this version of the custom resource API is deprecated.'),
      deprecationWarning: str('deprecationWarning overrides the default warning returned to API clients.'),
      name: str('name is the version name, e.g. “v1”, “v2beta1”, etc.'),
      schema: refField(APIEXT + 'CustomResourceValidation', 'schema describes the schema used for validation, pruning, and defaulting of this version of the custom resource.'),
      served: bool('served is a flag enabling/disabling this version from being served via REST APIs'),
      storage: bool('storage indicates this version should be used when persisting custom resources to storage. There must be exactly one version with storage=true.'),
      subresources: refField(APIEXT + 'CustomResourceSubresources', 'subresources specify what subresources this version of the defined custom resource have.'),
    },
    { required: ['name', 'served', 'storage'] },
  ),
  [APIEXT + 'CustomResourceColumnDefinition']: obj(
    'CustomResourceColumnDefinition specifies a column for server side printing.',
    {
      description: str('description is a human readable description of this column.'),
      format: str('format is an optional OpenAPI type definition for this column.'),
      jsonPath: str('jsonPath is a simple JSON path (i.e. with array notation) which is evaluated against each custom resource to produce the value for this column.'),
      name: str('name is a human readable name for the column.'),
      priority: int32('priority is an integer defining the relative importance of this column compared to others.'),
      type: str('type is an OpenAPI type definition for this column.'),
    },
    { required: ['name', 'type', 'jsonPath'] },
  ),
  [APIEXT + 'CustomResourceValidation']: obj('CustomResourceValidation is a list of validation methods for CustomResources.', {
    openAPIV3Schema: refField(APIEXT + 'JSONSchemaProps', 'openAPIV3Schema is the OpenAPI v3 schema to use for validation and pruning.'),
  }),
  [APIEXT + 'CustomResourceSubresources']: obj('CustomResourceSubresources defines the status and scale subresources for CustomResources.', {
    scale: refField(APIEXT + 'CustomResourceSubresourceScale', 'scale indicates the custom resource should serve a `/scale` subresource that returns an `autoscaling/v1` Scale object.'),
    status: refField(APIEXT + 'CustomResourceSubresourceStatus', 'status indicates the custom resource should serve a `/status` subresource.'),
  }),
  [APIEXT + 'CustomResourceSubresourceStatus']: {
    description: 'CustomResourceSubresourceStatus defines how to serve the status subresource for CustomResources.',
    type: 'object',
  },
  [APIEXT + 'CustomResourceSubresourceScale']: obj(
    'CustomResourceSubresourceScale defines how to serve the scale subresource for CustomResources.',
    { labelSelectorPath: str(), specReplicasPath: str(), statusReplicasPath: str() },
    { required: ['specReplicasPath', 'statusReplicasPath'] },
  ),
  [APIEXT + 'CustomResourceConversion']: obj(
    'CustomResourceConversion describes how to convert different versions of a CR.',
    {
      strategy: str('strategy specifies how custom resources are converted between versions. Allowed values are: - `"None"`, - `"Webhook"`.'),
      webhook: refField(APIEXT + 'WebhookConversion', 'webhook describes how to call the conversion webhook. Required when `strategy` is set to `"Webhook"`.'),
    },
    { required: ['strategy'] },
  ),
  [APIEXT + 'WebhookConversion']: obj(
    'WebhookConversion describes how to call a conversion webhook',
    {
      clientConfig: refField(APIEXT + 'WebhookClientConfig', 'clientConfig is the instructions for how to call the webhook if strategy is `Webhook`.'),
      conversionReviewVersions: strings('conversionReviewVersions is an ordered list of preferred `ConversionReview` versions the Webhook expects.'),
    },
    { required: ['conversionReviewVersions'] },
  ),
  [APIEXT + 'WebhookClientConfig']: obj('WebhookClientConfig contains the information to make a TLS connection with the webhook.', {
    caBundle: bytes('caBundle is a PEM encoded CA bundle which will be used to validate the webhook\'s server certificate.'),
    service: refField(APIEXT + 'ServiceReference', 'service is a reference to the service for this webhook.'),
    url: str('url gives the location of the webhook, in standard URL form (`scheme://host:port/path`).'),
  }),
  [APIEXT + 'ServiceReference']: obj(
    'ServiceReference holds a reference to Service.legacy.k8s.io',
    { name: str(), namespace: str(), path: str(), port: int32() },
    { required: ['namespace', 'name'] },
  ),
  [APIEXT + 'CustomResourceDefinitionStatus']: obj('CustomResourceDefinitionStatus indicates the state of the CustomResourceDefinition', {
    acceptedNames: refField(APIEXT + 'CustomResourceDefinitionNames', 'acceptedNames are the names that are actually being used to serve discovery.'),
    conditions: list(APIEXT + 'CustomResourceDefinitionCondition', 'conditions indicate state for particular aspects of a CustomResourceDefinition', {
      listType: 'map',
      mapKeys: ['type'],
    }),
    storedVersions: strings('storedVersions lists all versions of CustomResources that were ever persisted.'),
  }),
  [APIEXT + 'CustomResourceDefinitionCondition']: obj(
    'CustomResourceDefinitionCondition contains details for the current condition of this pod.',
    { lastTransitionTime: time(), message: str(), reason: str(), status: str(), type: str() },
    { required: ['type', 'status'] },
  ),
  [APIEXT + 'JSONSchemaProps']: obj('JSONSchemaProps is a JSON-Schema following Specification Draft 4 (http://json-schema.org/).', {
    $ref: str(),
    $schema: str(),
    additionalItems: refField(APIEXT + 'JSONSchemaPropsOrBool'),
    additionalProperties: refField(APIEXT + 'JSONSchemaPropsOrBool'),
    allOf: list(APIEXT + 'JSONSchemaProps', undefined, atomic),
    anyOf: list(APIEXT + 'JSONSchemaProps', undefined, atomic),
    default: refField(APIEXT + 'JSON', 'default is a default value for undefined object fields.'),
    definitions: map(APIEXT + 'JSONSchemaProps'),
    dependencies: map(APIEXT + 'JSONSchemaPropsOrStringArray'),
    description: str(),
    enum: list(APIEXT + 'JSON', undefined, atomic),
    example: refField(APIEXT + 'JSON'),
    exclusiveMaximum: bool(),
    exclusiveMinimum: bool(),
    externalDocs: refField(APIEXT + 'ExternalDocumentation'),
    format: str('format is an OpenAPI v3 format string.'),
    id: str(),
    items: refField(APIEXT + 'JSONSchemaPropsOrArray'),
    maxItems: int64(),
    maxLength: int64(),
    maxProperties: int64(),
    maximum: num(),
    minItems: int64(),
    minLength: int64(),
    minProperties: int64(),
    minimum: num(),
    multipleOf: num(),
    not: ref(APIEXT + 'JSONSchemaProps'),
    nullable: bool(),
    oneOf: list(APIEXT + 'JSONSchemaProps', undefined, atomic),
    pattern: str(),
    patternProperties: map(APIEXT + 'JSONSchemaProps'),
    properties: map(APIEXT + 'JSONSchemaProps'),
    required: strings(),
    title: str(),
    type: str(),
    uniqueItems: bool(),
    'x-kubernetes-embedded-resource': bool('x-kubernetes-embedded-resource defines that the value is an embedded Kubernetes runtime.Object.'),
    'x-kubernetes-int-or-string': bool('x-kubernetes-int-or-string specifies that this value is either an integer or a string.'),
    'x-kubernetes-list-map-keys': strings('x-kubernetes-list-map-keys annotates an array with the x-kubernetes-list-type `map` by specifying the keys used as the index of the map.'),
    'x-kubernetes-list-type': str('x-kubernetes-list-type annotates an array to further describe its topology: atomic, set or map.'),
    'x-kubernetes-map-type': str('x-kubernetes-map-type annotates an object to further describe its topology: granular or atomic.'),
    'x-kubernetes-preserve-unknown-fields': bool('x-kubernetes-preserve-unknown-fields stops the API server decoding step from pruning fields which are not specified in the validation schema.'),
    'x-kubernetes-validations': list(APIEXT + 'ValidationRule', 'x-kubernetes-validations describes a list of validation rules written in the CEL expression language.', {
      strategy: 'merge',
      key: 'rule',
      listType: 'map',
      mapKeys: ['rule'],
    }),
  }),
  [APIEXT + 'ValidationRule']: obj(
    'ValidationRule describes a validation rule written in the CEL expression language.',
    { fieldPath: str(), message: str(), messageExpression: str(), reason: str(), rule: str() },
    { required: ['rule'] },
  ),
  [APIEXT + 'ExternalDocumentation']: obj('ExternalDocumentation allows referencing an external resource for extended documentation.', { description: str(), url: str() }),
  [APIEXT + 'JSON']: {
    description: 'JSON represents any valid JSON value. These types are supported: bool, int64, float64, string, []interface{}, map[string]interface{} and nil.',
  },
  [APIEXT + 'JSONSchemaPropsOrArray']: {
    description: 'JSONSchemaPropsOrArray represents a value that can either be a JSONSchemaProps or an array of JSONSchemaProps. Mainly here for serialization purposes.',
  },
  [APIEXT + 'JSONSchemaPropsOrBool']: {
    description: 'JSONSchemaPropsOrBool represents JSONSchemaProps or a boolean value. Defaults to true for the boolean property.',
  },
  [APIEXT + 'JSONSchemaPropsOrStringArray']: {
    description: 'JSONSchemaPropsOrStringArray represents a JSONSchemaProps or a string array.',
  },
};
