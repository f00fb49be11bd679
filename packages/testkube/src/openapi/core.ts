// core/v1 schemas other than Pod and its parts (see workloads.ts). Patch metadata follows the
// v1.28 Go struct tags; descriptions are short paraphrases for `kubectl explain`.
import {
  CORE,
  META,
  QUANTITY,
  bool,
  bytes,
  int32,
  int64,
  intOrString,
  kind,
  kindList,
  list,
  map,
  microTime,
  obj,
  refField,
  str,
  stringMap,
  strings,
  time,
  type Schema,
} from './dsl.js';

const merge = (key: string, listType: 'map' | 'atomic' = 'map', mapKeys: string[] = [key]) =>
  listType === 'map' ? { strategy: 'merge', key, listType, mapKeys } : { strategy: 'merge', key, listType };

export const CORE_SCHEMAS: Record<string, Schema> = {
  // ------------------------------------------------------------------------------- Service
  [CORE + 'Service']: kind(
    '',
    'v1',
    'Service',
    'Service is a named abstraction of software service (for example, mysql) consisting of local port (for example 3306) that the proxy listens on, and the selector that determines which pods will answer requests sent through the proxy.',
    {
      spec: refField(CORE + 'ServiceSpec', 'Spec defines the behavior of a service.'),
      status: refField(CORE + 'ServiceStatus', 'Most recently observed status of the service. Populated by the system. Read-only.'),
    },
  ),
  [CORE + 'ServiceList']: kindList('', 'v1', 'Service', CORE + 'Service'),
  [CORE + 'ServiceSpec']: obj('ServiceSpec describes the attributes that a user creates on a service.', {
    allocateLoadBalancerNodePorts: bool(
      'allocateLoadBalancerNodePorts defines if NodePorts will be automatically allocated for services with type LoadBalancer. Default is "true". It may be set to "false" if the cluster load-balancer does not rely on NodePorts.',
    ),
    clusterIP: str(
      'clusterIP is the IP address of the service and is usually assigned randomly. If an address is specified manually, is in-range (as per system configuration), and is not in use, it will be allocated to the service; otherwise creation of the service will fail. "None" makes a headless service.',
    ),
    clusterIPs: strings('ClusterIPs is a list of IP addresses assigned to this service, and are usually assigned randomly. The first entry must match clusterIP.'),
    externalIPs: strings('externalIPs is a list of IP addresses for which nodes in the cluster will also accept traffic for this service.'),
    externalName: str('externalName is the external reference that discovery mechanisms will return as an alias for this service (e.g. a DNS CNAME record). Requires `type` to be "ExternalName".'),
    externalTrafficPolicy: str(
      'externalTrafficPolicy describes how nodes distribute service traffic they receive on one of the Service\'s "externally-facing" addresses (NodePorts, ExternalIPs, and LoadBalancer IPs). "Local" preserves the client source IP and only routes to node-local endpoints; "Cluster" routes to all endpoints.',
      ['Cluster', 'Local'],
    ),
    healthCheckNodePort: int32('healthCheckNodePort specifies the healthcheck nodePort for the service. Only used when type is LoadBalancer and externalTrafficPolicy is Local.'),
    internalTrafficPolicy: str('InternalTrafficPolicy describes how nodes distribute service traffic they receive on the ClusterIP.', ['Cluster', 'Local']),
    ipFamilies: strings('IPFamilies is a list of IP families (e.g. IPv4, IPv6) assigned to this service.'),
    ipFamilyPolicy: str(
      'IPFamilyPolicy represents the dual-stack-ness requested or required by this Service. If there is no value provided, then this field will be set to SingleStack.',
      ['PreferDualStack', 'RequireDualStack', 'SingleStack'],
    ),
    loadBalancerClass: str(
      'loadBalancerClass is the class of the load balancer implementation this Service belongs to. If specified, the value of this field must be a label-style identifier. This field can only be set when the Service type is \'LoadBalancer\' and cannot be changed once set.',
    ),
    loadBalancerIP: str('Only applies to Service Type: LoadBalancer. This feature depends on whether the underlying cloud-provider supports specifying the loadBalancerIP when a load balancer is created. Deprecated.'),
    loadBalancerSourceRanges: strings('If specified and supported by the platform, traffic through the load-balancer will be restricted to the specified client IPs.'),
    ports: list(CORE + 'ServicePort', 'The list of ports that are exposed by this service.', merge('port', 'map', ['port', 'protocol'])),
    publishNotReadyAddresses: bool('publishNotReadyAddresses indicates that any agent which deals with endpoints for this Service should disregard any indications of ready/not-ready.'),
    selector: stringMap('Route service traffic to pods with label keys and values matching this selector.', { mapType: 'atomic' }),
    sessionAffinity: str('Supports "ClientIP" and "None". Used to maintain session affinity.', ['ClientIP', 'None']),
    sessionAffinityConfig: refField(CORE + 'SessionAffinityConfig', 'sessionAffinityConfig contains the configurations of session affinity.'),
    type: str(
      'type determines how the Service is exposed. Defaults to ClusterIP. Valid options are ExternalName, ClusterIP, NodePort, and LoadBalancer.',
      ['ClusterIP', 'ExternalName', 'LoadBalancer', 'NodePort'],
    ),
  }),
  [CORE + 'ServicePort']: obj(
    "ServicePort contains information on service's port.",
    {
      appProtocol: str('The application protocol for this port.'),
      name: str('The name of this port within the service. All ports within a ServiceSpec must have unique names when there is more than one.'),
      nodePort: int32('The port on each node on which this service is exposed when type is NodePort or LoadBalancer. Usually assigned by the system.'),
      port: int32('The port that will be exposed by this service.'),
      protocol: str('The IP protocol for this port. Supports "TCP", "UDP", and "SCTP". Default is TCP.', ['SCTP', 'TCP', 'UDP']),
      targetPort: intOrString('Number or name of the port to access on the pods targeted by the service.'),
    },
    { required: ['port'] },
  ),
  [CORE + 'ServiceStatus']: obj('ServiceStatus represents the current status of a service.', {
    conditions: list(META + 'Condition', 'Current service state', merge('type')),
    loadBalancer: refField(CORE + 'LoadBalancerStatus', 'LoadBalancer contains the current status of the load-balancer, if one is present.'),
  }),
  [CORE + 'LoadBalancerStatus']: obj('LoadBalancerStatus represents the status of a load-balancer.', {
    ingress: list(CORE + 'LoadBalancerIngress', 'Ingress is a list containing ingress points for the load-balancer.', { listType: 'atomic' }),
  }),
  [CORE + 'LoadBalancerIngress']: obj('LoadBalancerIngress represents the status of a load-balancer ingress point.', {
    hostname: str('Hostname is set for load-balancer ingress points that are DNS based.'),
    ip: str('IP is set for load-balancer ingress points that are IP based.'),
    ports: list(CORE + 'PortStatus', 'Ports is a list of records of service ports.', { listType: 'atomic' }),
  }),
  [CORE + 'PortStatus']: obj(
    undefined,
    {
      error: str('Error is to record the problem with the service port.'),
      port: int32('Port is the port number of the service port of which status is recorded here'),
      protocol: str('Protocol is the protocol of the service port of which status is recorded here.', ['SCTP', 'TCP', 'UDP']),
    },
    { required: ['port', 'protocol'] },
  ),
  [CORE + 'SessionAffinityConfig']: obj('SessionAffinityConfig represents the configurations of session affinity.', {
    clientIP: refField(CORE + 'ClientIPConfig', 'clientIP contains the configurations of Client IP based session affinity.'),
  }),
  [CORE + 'ClientIPConfig']: obj('ClientIPConfig represents the configurations of Client IP based session affinity.', {
    timeoutSeconds: int32('timeoutSeconds specifies the seconds of ClientIP type session sticky time.'),
  }),

  // ----------------------------------------------------------------------------- Namespace
  [CORE + 'Namespace']: kind('', 'v1', 'Namespace', 'Namespace provides a scope for Names. Use of multiple namespaces is optional.', {
    spec: refField(CORE + 'NamespaceSpec', 'Spec defines the behavior of the Namespace.'),
    status: refField(CORE + 'NamespaceStatus', 'Status describes the current status of a Namespace.'),
  }),
  [CORE + 'NamespaceList']: kindList('', 'v1', 'Namespace', CORE + 'Namespace'),
  [CORE + 'NamespaceSpec']: obj('NamespaceSpec describes the attributes on a Namespace.', {
    finalizers: strings('Finalizers is an opaque list of values that must be empty to permanently remove object from storage.'),
  }),
  [CORE + 'NamespaceStatus']: obj('NamespaceStatus is information about the current status of a Namespace.', {
    conditions: list(CORE + 'NamespaceCondition', "Represents the latest available observations of a namespace's current state.", { strategy: 'merge', key: 'type' }),
    phase: str('Phase is the current lifecycle phase of the namespace.', ['Active', 'Terminating']),
  }),
  [CORE + 'NamespaceCondition']: obj(
    'NamespaceCondition contains details about state of namespace.',
    { lastTransitionTime: time(), message: str(), reason: str(), status: str('Status of the condition, one of True, False, Unknown.'), type: str('Type of namespace controller condition.') },
    { required: ['type', 'status'] },
  ),

  // ---------------------------------------------------------------------------------- Node
  [CORE + 'Node']: kind('', 'v1', 'Node', 'Node is a worker node in Kubernetes. Each node will have a unique identifier in the cache (i.e. in etcd).', {
    spec: refField(CORE + 'NodeSpec', 'Spec defines the behavior of a node.'),
    status: refField(CORE + 'NodeStatus', 'Most recently observed status of the node. Populated by the system. Read-only.'),
  }),
  [CORE + 'NodeList']: kindList('', 'v1', 'Node', CORE + 'Node'),
  [CORE + 'NodeSpec']: obj('NodeSpec describes the attributes that a node is created with.', {
    configSource: refField(CORE + 'NodeConfigSource', 'Deprecated: Previously used to specify the source of the node\'s configuration for the DynamicKubeletConfig feature.'),
    externalID: str('Deprecated. Not all kubelets will set this field.'),
    podCIDR: str('PodCIDR represents the pod IP range assigned to the node.'),
    podCIDRs: strings('podCIDRs represents the IP ranges assigned to the node for usage by Pods on that node.', { strategy: 'merge', listType: 'set' }),
    providerID: str('ID of the node assigned by the cloud provider.'),
    taints: list(CORE + 'Taint', "If specified, the node's taints."),
    unschedulable: bool('Unschedulable controls node schedulability of new pods. By default, node is schedulable.'),
  }),
  [CORE + 'Taint']: obj(
    'The node this Taint is attached to has the "effect" on any pod that does not tolerate the Taint.',
    {
      effect: str('Required. The effect of the taint on pods that do not tolerate the taint.', ['NoExecute', 'NoSchedule', 'PreferNoSchedule']),
      key: str('Required. The taint key to be applied to a node.'),
      timeAdded: time('TimeAdded represents the time at which the taint was added. It is only written for NoExecute taints.'),
      value: str('The taint value corresponding to the taint key.'),
    },
    { required: ['key', 'effect'] },
  ),
  [CORE + 'NodeStatus']: obj('NodeStatus is information about the current status of a node.', {
    addresses: list(CORE + 'NodeAddress', 'List of addresses reachable to the node.', { strategy: 'merge', key: 'type' }),
    allocatable: map(QUANTITY, 'Allocatable represents the resources of a node that are available for scheduling.'),
    capacity: map(QUANTITY, 'Capacity represents the total resources of a node.'),
    conditions: list(CORE + 'NodeCondition', 'Conditions is an array of current observed node conditions.', { strategy: 'merge', key: 'type' }),
    config: refField(CORE + 'NodeConfigStatus', 'Status of the config assigned to the node via the dynamic Kubelet config feature.'),
    daemonEndpoints: refField(CORE + 'NodeDaemonEndpoints', 'Endpoints of daemons running on the Node.'),
    images: list(CORE + 'ContainerImage', 'List of container images on this node'),
    nodeInfo: refField(CORE + 'NodeSystemInfo', 'Set of ids/uuids to uniquely identify the node.'),
    phase: str('NodePhase is the recently observed lifecycle phase of the node. Deprecated.', ['Pending', 'Running', 'Terminated']),
    volumesAttached: list(CORE + 'AttachedVolume', 'List of volumes that are attached to the node.'),
    volumesInUse: strings('List of attachable volumes in use (mounted) by the node.', {}),
  }),
  [CORE + 'NodeAddress']: obj(
    "NodeAddress contains information for the node's address.",
    { address: str('The node address.'), type: str('Node address type, one of Hostname, ExternalIP or InternalIP.') },
    { required: ['type', 'address'] },
  ),
  [CORE + 'NodeCondition']: obj(
    'NodeCondition contains condition information for a node.',
    {
      lastHeartbeatTime: time('Last time we got an update on a given condition.'),
      lastTransitionTime: time('Last time the condition transit from one status to another.'),
      message: str('Human readable message indicating details about last transition.'),
      reason: str("(brief) reason for the condition's last transition."),
      status: str('Status of the condition, one of True, False, Unknown.'),
      type: str('Type of node condition.'),
    },
    { required: ['type', 'status'] },
  ),
  [CORE + 'NodeDaemonEndpoints']: obj('NodeDaemonEndpoints lists ports opened by daemons running on the Node.', {
    kubeletEndpoint: refField(CORE + 'DaemonEndpoint', 'Endpoint on which Kubelet is listening.'),
  }),
  [CORE + 'DaemonEndpoint']: obj('DaemonEndpoint contains information about a single Daemon endpoint.', { Port: int32('Port number of the given endpoint.') }, { required: ['Port'] }),
  [CORE + 'NodeSystemInfo']: obj(
    'NodeSystemInfo is a set of ids/uuids to uniquely identify the node.',
    {
      architecture: str(),
      bootID: str(),
      containerRuntimeVersion: str(),
      kernelVersion: str(),
      kubeProxyVersion: str(),
      kubeletVersion: str(),
      machineID: str(),
      operatingSystem: str(),
      osImage: str(),
      systemUUID: str(),
    },
    {
      required: [
        'machineID',
        'systemUUID',
        'bootID',
        'kernelVersion',
        'osImage',
        'containerRuntimeVersion',
        'kubeletVersion',
        'kubeProxyVersion',
        'operatingSystem',
        'architecture',
      ],
    },
  ),
  [CORE + 'ContainerImage']: obj('Describe a container image', { names: strings('Names by which this image is known.'), sizeBytes: int64('The size of the image in bytes.') }),
  [CORE + 'AttachedVolume']: obj('AttachedVolume describes a volume attached to a node', { devicePath: str(), name: str() }, { required: ['name', 'devicePath'] }),
  [CORE + 'NodeConfigSource']: obj('NodeConfigSource specifies a source of node configuration.', {
    configMap: refField(CORE + 'ConfigMapNodeConfigSource', 'ConfigMap is a reference to a Node\'s ConfigMap'),
  }),
  [CORE + 'ConfigMapNodeConfigSource']: obj(
    'ConfigMapNodeConfigSource contains the information to reference a ConfigMap as a config source for the Node.',
    { kubeletConfigKey: str(), name: str(), namespace: str(), resourceVersion: str(), uid: str() },
    { required: ['namespace', 'name', 'kubeletConfigKey'] },
  ),
  [CORE + 'NodeConfigStatus']: obj('NodeConfigStatus describes the status of the config assigned by Node.Spec.ConfigSource.', {
    active: refField(CORE + 'NodeConfigSource'),
    assigned: refField(CORE + 'NodeConfigSource'),
    error: str(),
    lastKnownGood: refField(CORE + 'NodeConfigSource'),
  }),

  // --------------------------------------------------------------------------------- Event
  [CORE + 'Event']: kind(
    '',
    'v1',
    'Event',
    'Event is a report of an event somewhere in the cluster.',
    {
      action: str('What action was taken/failed regarding to the Regarding object.'),
      count: int32('The number of times this event has occurred.'),
      eventTime: microTime('Time when this Event was first observed.'),
      firstTimestamp: time('The time at which the event was first recorded.'),
      involvedObject: refField(CORE + 'ObjectReference', 'The object that this event is about.'),
      lastTimestamp: time('The time at which the most recent occurrence of this event was recorded.'),
      message: str('A human-readable description of the status of this operation.'),
      reason: str('This should be a short, machine understandable string that gives the reason for the transition into the object\'s current status.'),
      related: refField(CORE + 'ObjectReference', 'Optional secondary object for more complex actions.'),
      reportingComponent: str('Name of the controller that emitted this Event, e.g. `kubernetes.io/kubelet`.'),
      reportingInstance: str('ID of the controller instance, e.g. `kubelet-xyzf`.'),
      series: refField(CORE + 'EventSeries', 'Data about the Event series this event represents or nil if it\'s a singleton Event.'),
      source: refField(CORE + 'EventSource', 'The component reporting this event.'),
      type: str('Type of this event (Normal, Warning), new types could be added in the future'),
    },
    { required: ['metadata', 'involvedObject'] },
  ),
  [CORE + 'EventList']: kindList('', 'v1', 'Event', CORE + 'Event'),
  [CORE + 'EventSource']: obj('EventSource contains information for an event.', {
    component: str('Component from which the event is generated.'),
    host: str('Node name on which the event is generated.'),
  }),
  [CORE + 'EventSeries']: obj('EventSeries contain information on series of events.', {
    count: int32('Number of occurrences in this series up to the last heartbeat time'),
    lastObservedTime: microTime('Time of the last occurrence observed'),
  }),
  [CORE + 'ObjectReference']: obj(
    'ObjectReference contains enough information to let you inspect or modify the referred object.',
    {
      apiVersion: str('API version of the referent.'),
      fieldPath: str('If referring to a piece of an object instead of an entire object, this string should contain a valid JSON/Go field access statement.'),
      kind: str('Kind of the referent.'),
      name: str('Name of the referent.'),
      namespace: str('Namespace of the referent.'),
      resourceVersion: str('Specific resourceVersion to which this reference is made, if any.'),
      uid: str('UID of the referent.'),
    },
    { mapType: 'atomic' },
  ),
  [CORE + 'LocalObjectReference']: obj(
    'LocalObjectReference contains enough information to let you locate the referenced object inside the same namespace.',
    { name: str('Name of the referent.') },
    { mapType: 'atomic' },
  ),

  // ------------------------------------------------------------ ConfigMap, Secret, ServiceAccount
  [CORE + 'ConfigMap']: kind('', 'v1', 'ConfigMap', 'ConfigMap holds configuration data for pods to consume.', {
    binaryData: map(bytes(), 'BinaryData contains the binary data. Each key must consist of alphanumeric characters, \'-\', \'_\' or \'.\'.'),
    data: stringMap('Data contains the configuration data. Each key must consist of alphanumeric characters, \'-\', \'_\' or \'.\'.'),
    immutable: bool('Immutable, if set to true, ensures that data stored in the ConfigMap cannot be updated (only object metadata can be modified).'),
  }),
  [CORE + 'ConfigMapList']: kindList('', 'v1', 'ConfigMap', CORE + 'ConfigMap'),
  [CORE + 'Secret']: kind('', 'v1', 'Secret', 'Secret holds secret data of a certain type. The total bytes of the values in the Data field must be less than MaxSecretSize bytes.', {
    data: map(bytes(), 'Data contains the secret data. The serialized form of the secret data is a base64 encoded string.'),
    immutable: bool('Immutable, if set to true, ensures that data stored in the Secret cannot be updated (only object metadata can be modified).'),
    stringData: stringMap('stringData allows specifying non-binary secret data in string form. It is merged into the data field on write.'),
    type: str('Used to facilitate programmatic handling of secret data.'),
  }),
  [CORE + 'SecretList']: kindList('', 'v1', 'Secret', CORE + 'Secret'),
  [CORE + 'ServiceAccount']: kind(
    '',
    'v1',
    'ServiceAccount',
    'ServiceAccount binds together: * a name, understood by users, and perhaps by peripheral systems, for an identity * a principal that can be authenticated and authorized * a set of secrets',
    {
      automountServiceAccountToken: bool('AutomountServiceAccountToken indicates whether pods running as this service account should have an API token automatically mounted.'),
      imagePullSecrets: list(CORE + 'LocalObjectReference', 'ImagePullSecrets is a list of references to secrets in the same namespace to use for pulling any images in pods that reference this ServiceAccount.'),
      secrets: list(CORE + 'ObjectReference', 'Secrets is a list of the secrets in the same namespace that pods running using this ServiceAccount are allowed to use.', {
        strategy: 'merge',
        key: 'name',
      }),
    },
  ),
  [CORE + 'ServiceAccountList']: kindList('', 'v1', 'ServiceAccount', CORE + 'ServiceAccount'),

  // ----------------------------------------------------------------------------- Endpoints
  [CORE + 'Endpoints']: kind('', 'v1', 'Endpoints', 'Endpoints is a collection of endpoints that implement the actual service.', {
    subsets: list(CORE + 'EndpointSubset', 'The set of all endpoints is the union of all subsets.'),
  }),
  [CORE + 'EndpointsList']: kindList('', 'v1', 'Endpoints', CORE + 'Endpoints'),
  [CORE + 'EndpointSubset']: obj('EndpointSubset is a group of addresses with a common set of ports.', {
    addresses: list(CORE + 'EndpointAddress', 'IP addresses which offer the related ports that are marked as ready.'),
    notReadyAddresses: list(CORE + 'EndpointAddress', 'IP addresses which offer the related ports but are not currently marked as ready.'),
    ports: list(CORE + 'EndpointPort', 'Port numbers available on the related IP addresses.'),
  }),
  [CORE + 'EndpointAddress']: obj(
    'EndpointAddress is a tuple that describes single IP address.',
    {
      hostname: str('The Hostname of this endpoint'),
      ip: str('The IP of this endpoint.'),
      nodeName: str('Optional: Node hosting this endpoint.'),
      targetRef: refField(CORE + 'ObjectReference', 'Reference to object providing the endpoint.'),
    },
    { required: ['ip'], mapType: 'atomic' },
  ),
  [CORE + 'EndpointPort']: obj(
    'EndpointPort is a tuple that describes a single port.',
    {
      appProtocol: str('The application protocol for this port.'),
      name: str('The name of this port. This must match the \'name\' field in the corresponding ServicePort.'),
      port: int32('The port number of the endpoint.'),
      protocol: str('The IP protocol for this port.', ['SCTP', 'TCP', 'UDP']),
    },
    { required: ['port'], mapType: 'atomic' },
  ),
};
