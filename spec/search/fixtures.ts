import { searchDocument } from '../../lib/search/search-document.ts';

/** A small corpus of three domains, as `readCorpus` gives it. */
export const corpus = [
  searchDocument({ id: 'lib-1', text: 'Library cards are free for residents. Bring a photo ID and proof of address.', metadata: { domain: 'library', source: { kind: 'page' } } }),
  searchDocument({ id: 'lib-2', text: 'Books can be borrowed for 21 days and renewed twice.', metadata: { domain: 'library', source: { kind: 'faq' } } }),
  searchDocument({ id: 'lib-3', text: 'Late adult items cost 10 cents a day at the library.', metadata: { domain: 'library' } }),
  searchDocument({ id: 'rec-1', text: 'Recycling pickup is every other week. Put the blue cart at the curb.', metadata: { domain: 'recycling' } }),
  searchDocument({ id: 'rec-2', text: 'Glass bottles go to the glass drop-off igloos, not the recycling cart.', metadata: { domain: 'recycling' } }),
  searchDocument({ id: 'park-1', text: 'A yearly parking permit costs 60 dollars.' }),
];
