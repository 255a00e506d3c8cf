"""Growth of the network population: founding-rate models, growth shapes, saturation, forecast and
the parameter-recovery study (``workflow/rules/growth.smk``)."""
