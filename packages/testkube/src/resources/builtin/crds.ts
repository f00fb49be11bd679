// apiextensions.k8s.io/v1 CustomResourceDefinitions as a resource type. Defaulting, the create/
// update/status strategies and structural-schema validation are crd/crd.ts's
// (customResourceDefinitionHooks: defaultCRD, prepareCRDUpdate, validateCRD); naming/establishing
// conditions, serving the custom resources and the deletion finalizer are the server's.
import { customResourceDefinitionHooks } from '../../crd/crd.js';
import { builtinStrategicSchemas, objectMetaSchema, type StrategicPatchSchema } from '../../patch/strategic-schema.js';
import type { ResourceType } from '../types.js';

/**
 * Strategic-merge metadata of the CRD type: only ObjectMeta has merge lists; status.conditions is
 * a map list for server-side apply (keyed by type) that strategic merge patch replaces.
 */
const CRD_STRATEGIC_SCHEMA: StrategicPatchSchema = {
  metadata: objectMetaSchema,
  status: { conditions: { list: { strategy: 'replace', keys: ['type'] } } },
};

export function customResourceDefinitionsResource(): ResourceType {
  return {
    group: 'apiextensions.k8s.io',
    version: 'v1',
    resource: 'customresourcedefinitions',
    kind: 'CustomResourceDefinition',
    listKind: 'CustomResourceDefinitionList',
    singular: 'customresourcedefinition',
    namespaced: false,
    shortNames: ['crd', 'crds'],
    categories: ['api-extensions'],
    verbs: ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'],
    subresources: ['status'],
    deleteReturnsObject: true,
    strategicSchema: builtinStrategicSchemas['apiextensions.k8s.io/CustomResourceDefinition'] ?? CRD_STRATEGIC_SCHEMA,
    hasStatusSubresource: true,
    // The CRD status strategy resets labels, annotations and owner references.
    statusWriteKeepsMetadata: false,
    tracksGeneration: true,
    storageVersionHash: 'jfWCUB31mvA=',
    // No printer: kube's default table (Name, Created At).
    hooks: customResourceDefinitionHooks,
  };
}
