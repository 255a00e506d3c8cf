# Rules of the census stage (being written).
