"""The census of city networks: reading and validating the raw table, the population through time,
and the descriptive counts (``workflow/rules/validate.smk`` and ``census.smk``)."""
