"""Dissolution of city networks: network-years, survival curves and hazard models
(``workflow/rules/survival.smk``)."""
