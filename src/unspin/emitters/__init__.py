"""Emitters turn processed Documents into files or streams; they hold no rule logic."""

from __future__ import annotations
