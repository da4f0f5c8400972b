"""The spin engine: inverse thesaurus index, candidates, language-model scoring, search and calibration."""
