"""Focus groups with city officials: the coded corpus, its themes, reliability and saturation, and
the privacy guard (``workflow/rules/focus_groups.smk``)."""
