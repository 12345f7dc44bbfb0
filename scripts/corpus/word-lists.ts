/** The themed words of release titles and bodies: topics, places, common words and verbs. */

export const TOPICS = [
  'funding boost',
  'new legislation',
  'review announced',
  'major milestone',
  'investment package',
  'trade mission',
  'community partnership',
  'pilot programme',
  'regional visit',
  'reform plan',
  'appointment confirmed',
  'report released',
  'consultation opens',
  'support package',
  'new strategy',
];
export const PLACES = [
  'Auckland',
  'Wellington',
  'Christchurch',
  'Hamilton',
  'Tauranga',
  'Dunedin',
  'Ōtautahi',
  'Whanganui',
  'Rotorua',
  'Napier',
  'Nelson',
  'Invercargill',
  'Taupō',
  'Whangārei',
  'Gisborne',
  'Tairāwhiti',
  'the Pacific',
  'Washington DC',
  'Brussels',
  'Canberra',
  'Tokyo',
  'Beijing',
];
export const WORDS = (
  'government economy infrastructure investment community families whānau regions growth jobs ' +
  'productivity resilience climate health education housing support services partnership strategy ' +
  'delivery outcomes rules-based security trade exporters businesses investors workforce training ' +
  'schools hospitals roads rail energy water biosecurity innovation science research digital ' +
  'Māori iwi hapū Pacific communities rangatahi tamariki kaumātua recovery funding programme'
).split(' ');
export const VERBS = [
  'will deliver',
  'supports',
  'strengthens',
  'secures',
  'accelerates',
  'improves',
  'protects',
  'builds',
];
