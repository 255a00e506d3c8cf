# Rules of the partners stage (being written).
