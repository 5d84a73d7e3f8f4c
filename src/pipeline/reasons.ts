/**
 * @module pipeline/reasons
 * Machine reasons → plain words for the API ("popular with travellers from DE this summer").
 */
import type { FeatureReason, Reason } from '../domain/candidate.ts';

/** Turn a reason into a sentence; `nameOf` names items and places. */
export function describeReason(r: Reason, nameOf: (id: string) => string): string {
  switch (r.kind) {
    case 'covisited':
      return `travellers who chose ${nameOf(r.itemId)} also chose this`;
    case 'popular':
      return describePopular(r.context, nameOf);
    case 'similar-taste':
      return 'matches your taste';
    case 'cold-start':
      return 'popular right now';
    case 'rule':
      return r.rule;
    case 'feature':
      return FEATURE_WORDS[r.feature];
  }
}

const FEATURE_WORDS: Record<FeatureReason, string> = {
  'near-viewed': 'close to places you looked at',
  'same-chain': 'same chain as hotels you looked at',
  'price-fit': 'in your usual price range',
  'stars-fit': 'the star rating you usually choose',
  'well-rated': 'well rated by guests',
  trending: 'trending right now',
  'booked-often': 'booked often this week',
  'good-value': 'good value for the area',
  'viewed-before': 'you looked at this before',
};

function describePopular(context: string, nameOf: (id: string) => string): string {
  const parts = new Map(context.split(',').map((kv) => kv.split('=') as [string, string]));
  const country = parts.get('country');
  const season = parts.get('season');
  const destination = parts.get('destination');
  if (destination !== undefined) return `popular in ${nameOf(destination)}`;
  const who = country === undefined ? 'popular with travellers' : `popular with travellers from ${country}`;
  return season === undefined ? who : `${who} in ${season}`;
}
