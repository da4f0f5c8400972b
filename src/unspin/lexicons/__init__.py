"""Lexicons: the tortured-phrase fingerprint list and unspin's web-spin lexicon, with their matchers."""
