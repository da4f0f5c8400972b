"""The contextual language model: SmolLM2-135M converted at set-up to CTranslate2 (``store.py``,
``convert.py``) and run by it (``engine.py``). The spin stage's default judge; ``--fast`` does without it.
"""
