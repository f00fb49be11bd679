// Deliberate differences between testkube and the recorded kube-apiserver v1.28. Each entry says
// why; packages/testkube/README.md lists the same set for readers.
export interface KnownDifference {
  file: string;
  /** Exchange; undefined = every exchange of the file. */
  seq?: number;
  path: string | RegExp;
  why: string;
}

export const KNOWN_DIFFERENCES: KnownDifference[] = [];
