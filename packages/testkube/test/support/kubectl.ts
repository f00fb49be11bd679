export { kubectlBinary } from '../../src/kubectl.js';
