"""What every stage shares: the output contract, wording, figure style, provenance, rendering, claims.

Stage subpackages import from here; nothing here imports a stage.
"""
