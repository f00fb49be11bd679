// The set of served resource types: the built-ins plus one entry per established CRD version.
import type { ResourceType } from './resources/types.js';

export function storageOf(type: ResourceType): string {
  return type.storage ?? `${type.group}/${type.resource}`;
}

export function groupVersionOf(type: ResourceType): string {
  return type.group ? `${type.group}/${type.version}` : type.version;
}

export class Registry {
  private readonly types: ResourceType[] = [];

  constructor(initial: ResourceType[] = []) {
    for (const t of initial) this.add(t);
  }

  add(type: ResourceType): void {
    this.remove(type.group, type.version, type.resource);
    this.types.push(type);
  }

  remove(group: string, version: string, resource: string): void {
    const i = this.types.findIndex((t) => t.group === group && t.version === version && t.resource === resource);
    if (i >= 0) this.types.splice(i, 1);
  }

  all(): ResourceType[] {
    return [...this.types];
  }

  find(group: string, version: string, resource: string): ResourceType | undefined {
    return this.types.find((t) => t.group === group && t.version === version && t.resource === resource);
  }

  /** Any served version of group/resource (for hooks that look up other types). */
  findAnyVersion(group: string, resource: string): ResourceType | undefined {
    return this.types.find((t) => t.group === group && t.resource === resource);
  }

  hasGroupVersion(group: string, version: string): boolean {
    return this.types.some((t) => t.group === group && t.version === version);
  }

  hasGroup(group: string): boolean {
    return this.types.some((t) => t.group === group);
  }
}
