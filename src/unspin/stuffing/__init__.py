"""Keyword stuffing: keyphrase density (Yoast-compatible and unspin's own), every occurrence judged natural
or wedged, removal fixes, and the title's tacked-on stock phrases."""
