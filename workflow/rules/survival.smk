# Rules of the survival stage (being written).
