"""Founding partners: who founds city networks, how the mix changed, and what goes with it
(``workflow/rules/partners.smk``)."""
