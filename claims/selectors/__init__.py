"""Reads of claims and what hangs off them, one module per owner.

- visibility: who sees which claims (the one rule every read asks);
- attention: "needs attention" (every cited source lost);
- assignment: whose claims they are, which are overdue, which wait for someone;
- claims: the claims list, detail and export;
- history: a claim's public and newsroom history;
- review: a claim's second review and its internal notes (reviewers only);
- claimreview: the ClaimReview feed;
- articles: articles with visible claims;
- sources: the sources reads that depend on claim visibility, and what the link checker reads of evidence.

Callers import the owner module (``from claims.selectors import claims as claim_selectors``); nothing is
re-exported here, so each name has one home.
"""
