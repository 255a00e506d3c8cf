# Rules of the growth stage (being written).
