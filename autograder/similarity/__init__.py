"""The similarity report (`autograder similarity`): who handed in the same work.

works.py takes each student's own work from the notebooks, fingerprints.py fingerprints it,
compare.py finds and scores the pairs through an index, run.py is the API function.
"""

# Calibrated on tests/similarity_corpus.py (README, "Parecido entre entregas"; the test holds the
# figures): every disguised copy scores at least 0.41 there, every independent pair at most 0.36.
THRESHOLD = 0.4
