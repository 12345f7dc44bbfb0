/**
 * Stands in for `js-yaml` in the deployed bundles (infra/bundling.ts aliases it here).
 *
 * gray-matter requires js-yaml for its default YAML engine, binding `safeLoad` and `safeDump` when
 * it loads. front-matter.ts replaces every engine, so js-yaml is never called; bundling it only
 * adds about 40 KB to parse at every cold start. Were an engine ever left to the default, these
 * refuse instead of parsing.
 */
function notBundled(): never {
  throw new Error('js-yaml is not bundled: front matter is parsed by `yaml` (front-matter.ts)');
}

export const safeLoad = notBundled;
export const safeDump = notBundled;
export const load = notBundled;
export const dump = notBundled;
