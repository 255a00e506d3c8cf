# Rules of the validate stage (being written).
