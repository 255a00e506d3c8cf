"""citydiplomacy: the analysis of city networks and city diplomacy (Acuto, Morissette & Tsouros 2017).

Pure, typed, tested functions. Snakemake steps in ``workflow/scripts`` stay thin and call these.
"""

__version__ = "0.1.0"
